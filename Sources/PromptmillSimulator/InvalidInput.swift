/// Why a prompt or input parameter has the wrong shape.
struct InvalidInput: Error {
    let reason: String
}
