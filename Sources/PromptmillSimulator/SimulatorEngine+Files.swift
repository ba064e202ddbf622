import Foundation
import PromptmillCore

extension SimulatorEngine {
    /// OpenAI's limit on a batch input file.
    static let maximumBatchFileBytes = 200 * 1024 * 1024

    static func isBatchAPI(_ route: String) -> Bool {
        route == "/v1/files" || route.hasPrefix("/v1/files/") || route == "/v1/batches" || route.hasPrefix("/v1/batches/")
    }

    /// Seconds on the engine's clock since it started (the batch clock without its offset).
    var elapsedSeconds: Double { (clock.now - started) / .seconds(1) }

    /// The Files and Batch APIs: `POST /v1/files`, `GET /v1/files/{id}` and `…/content`,
    /// `DELETE /v1/files/{id}`, `POST /v1/batches`, `GET /v1/batches` and `/v1/batches/{id}`,
    /// `POST /v1/batches/{id}/cancel`.
    func batchAPI(method: String, path: String, contentType: String?, body: [UInt8]) -> SimulatorReply {
        let parts = path.split(separator: "?", maxSplits: 1)
        let route = String(parts[0])
        let query = parts.count > 1 ? Self.query(String(parts[1])) : [:]
        let segments = route.split(separator: "/").map(String.init)  // ["v1", "files", id, "content"]
        switch (method, segments.count > 1 ? segments[1] : "", segments.count) {
        case ("POST", "files", 2): return upload(contentType: contentType, body: body)
        case ("GET", "files", 3): return fileReply(segments[2]) { $0.json }
        case ("GET", "files", 4) where segments[3] == "content":
            return fileReply(segments[2]) { $0.bytes }.with(contentType: "application/octet-stream")
        case ("DELETE", "files", 3): return deleteFile(segments[2])
        case ("POST", "batches", 2): return createBatch(body)
        case ("GET", "batches", 2): return listBatches(query)
        case ("GET", "batches", 3): return batchReply(segments[2], cancel: false)
        case ("POST", "batches", 4) where segments[3] == "cancel": return batchReply(segments[2], cancel: true)
        default: return .error(404, message: "Invalid URL (\(method) \(route))", type: "invalid_request_error", code: nil)
        }
    }

    /// `POST /v1/files`: a `batch` file (`.jsonl`, at most 200 MB), kept in memory. Its lines
    /// are checked when a batch is created from it, as OpenAI checks them while validating.
    private func upload(contentType: String?, body: [UInt8]) -> SimulatorReply {
        guard let form = MultipartForm(contentType: contentType, body: body) else {
            return .error(
                400, message: "The request must be multipart/form-data with the fields 'purpose' and 'file'.", type: "invalid_request_error",
                code: nil)
        }
        guard let purpose = form.field("purpose").map({ String(decoding: $0.content, as: UTF8.self) }) else {
            return .error(
                400, message: "Missing required parameter: 'purpose'.", type: "invalid_request_error", code: "missing_required_parameter",
                param: "purpose")
        }
        guard purpose == "batch" else {
            return .error(
                400, message: "Invalid value for 'purpose': '\(purpose)'. The simulator only accepts 'batch'.", type: "invalid_request_error",
                code: "invalid_value", param: "purpose")
        }
        guard let file = form.field("file") else {
            return .error(
                400, message: "Missing required parameter: 'file'.", type: "invalid_request_error", code: "missing_required_parameter",
                param: "file")
        }
        let filename = file.filename ?? "file"
        guard filename.lowercased().hasSuffix(".jsonl") else {
            return .error(400, message: "Invalid file format for Batch API. Must be .jsonl", type: "invalid_request_error", code: nil, param: "file")
        }
        guard file.content.count <= Self.maximumBatchFileBytes else {
            return .error(
                400, message: "File is too large: \(file.content.count) bytes. The Batch API accepts input files of at most 200 MB.",
                type: "invalid_request_error", code: nil, param: "file")
        }
        let stored = state.withLockedValue { state in
            state.nextID += 1
            let stored = StoredFile(
                id: "file-sim\(state.nextID)", filename: filename, purpose: purpose, createdAt: Int(Date().timeIntervalSince1970),
                bytes: Array(file.content))
            state.files[stored.id] = stored
            return stored
        }
        return .json(200, stored.json)
    }

    private func fileReply(_ id: String, _ content: (StoredFile) -> [UInt8]) -> SimulatorReply {
        let elapsed = elapsedSeconds
        let file = state.withLockedValue { state in
            settleBatches(&state, now: elapsed + state.batchTimeOffset)
            return state.files[id]
        }
        guard let file else { return Self.noSuchFile(id) }
        return .json(200, content(file))
    }

    private func deleteFile(_ id: String) -> SimulatorReply {
        guard state.withLockedValue({ $0.files.removeValue(forKey: id) }) != nil else { return Self.noSuchFile(id) }
        var writer = JSONWriter(capacity: 64)
        writer.raw("{\"id\":")
        writer.string(id)
        writer.raw(",\"object\":\"file\",\"deleted\":true}")
        return .json(200, writer.bytes)
    }

    static func noSuchFile(_ id: String) -> SimulatorReply {
        .error(404, message: "No such File object: \(id)", type: "invalid_request_error", code: nil, param: "id")
    }

    /// `a=1&b=x` as a dictionary (no percent-decoding: ids and numbers need none).
    static func query(_ text: String) -> [String: String] {
        var values: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            values[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return values
    }
}
