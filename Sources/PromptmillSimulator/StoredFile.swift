import PromptmillCore

/// A file the simulator's Files API keeps in memory: an uploaded batch input, or a batch's
/// output or error file.
struct StoredFile: Sendable {
    let id: String
    let filename: String
    /// `batch` for uploads, `batch_output` for what a batch wrote.
    let purpose: String
    /// Unix seconds.
    let createdAt: Int
    let bytes: [UInt8]

    /// OpenAI's File object.
    var json: [UInt8] {
        var writer = JSONWriter(capacity: 256)
        writer.raw("{\"id\":")
        writer.string(id)
        writer.raw(",\"object\":\"file\",\"bytes\":")
        writer.number(bytes.count)
        writer.raw(",\"created_at\":")
        writer.number(createdAt)
        writer.raw(",\"filename\":")
        writer.string(filename)
        writer.raw(",\"purpose\":")
        writer.string(purpose)
        writer.raw(",\"status\":\"processed\"}")
        return writer.bytes
    }
}
