/// Why a JSON Schema could not be compiled: a keyword promptmill does not check, a keyword
/// with a value of the wrong shape, or a `$ref` that points nowhere.
public struct JSONSchemaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where in the schema, as a JSON Pointer fragment: `#`, `#/properties/label/enum`.
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
