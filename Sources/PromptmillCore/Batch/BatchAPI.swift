import Foundation

/// OpenAI's Files and Batch APIs (platform.openai.com/docs/api-reference/batch and
/// /files): upload a JSONL file of requests, create a batch from it, read its state, list
/// the account's batches, cancel one, and download its output and error files. Control
/// objects are `Codable` documents; every call names the server's answer when it fails.
struct BatchAPI: Sendable {
    /// A batch as the API describes it; only the fields promptmill reads.
    struct Batch: Codable, Sendable, Equatable {
        struct Counts: Codable, Sendable, Equatable {
            var total: Int
            var completed: Int
            var failed: Int
        }

        struct Errors: Codable, Sendable, Equatable {
            struct Entry: Codable, Sendable, Equatable {
                var code: String?
                var message: String?
                var line: Int?
            }

            var data: [Entry]?
        }

        var id: String
        /// validating, failed, in_progress, finalizing, completed, expired, cancelling, cancelled.
        var status: String
        var endpoint: String?
        var inputFileID: String?
        var outputFileID: String?
        var errorFileID: String?
        var createdAt: Int?
        var requestCounts: Counts?
        var metadata: [String: String]?
        var errors: Errors?

        enum CodingKeys: String, CodingKey {
            case id, status, endpoint, metadata, errors
            case inputFileID = "input_file_id"
            case outputFileID = "output_file_id"
            case errorFileID = "error_file_id"
            case createdAt = "created_at"
            case requestCounts = "request_counts"
        }

        /// No more lines will be answered: its output and error files are final.
        var isFinished: Bool { ["completed", "expired", "cancelled", "failed"].contains(status) }
    }

    /// An answer that is not what the call expects: its status and the server's message.
    struct Failure: Error, Sendable, CustomStringConvertible {
        var call: String
        var status: Int?
        var message: String
        /// A retry may cure it: 408, 409, 429, 5xx, or no answer at all.
        var transient: Bool { status.map { $0 == 408 || $0 == 409 || $0 == 429 || $0 >= 500 } ?? true }

        var description: String {
            "\(call): " + (status.map { "HTTP \($0): " } ?? "") + message
        }
    }

    let api: APIConfiguration
    let transport: any HTTPTransport
    /// Uploads and downloads may be large: 200 MB at most.
    var timeout: Duration = .seconds(600)

    /// `POST /files` with `purpose: batch`, as multipart/form-data (RFC 7578). Returns the
    /// file's id.
    func upload(_ content: [UInt8], filename: String) async throws(Failure) -> String {
        let boundary = "promptmill-" + UUID().uuidString
        var body: [UInt8] = []
        body.reserveCapacity(content.count + 512)
        body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n".utf8)
        body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(filename)\"\r\n".utf8)
        body += Array("Content-Type: application/jsonl\r\n\r\n".utf8)
        body += content
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        var headers = api.requestHeaders.filter { $0.name != "Content-Type" }
        headers.append(("Content-Type", "multipart/form-data; boundary=\(boundary)"))
        struct File: Decodable { var id: String }
        let file: File = try await call("upload \(filename)", HTTPRequest(url: api.baseURL + "/files", headers: headers, body: body))
        return file.id
    }

    /// `POST /batches` with a 24 h completion window.
    func create(inputFileID: String, endpoint: Endpoint, metadata: [String: String]) async throws(Failure) -> Batch {
        struct Create: Encodable {
            var input_file_id: String
            var endpoint: String
            var completion_window = "24h"
            var metadata: [String: String]
        }
        let body = Array(
            (try? JSONEncoder().encode(Create(input_file_id: inputFileID, endpoint: "/v1" + endpoint.path, metadata: metadata))) ?? Data())
        return try await call("create a batch", HTTPRequest(url: api.baseURL + "/batches", headers: api.requestHeaders, body: body))
    }

    func retrieve(_ id: String) async throws(Failure) -> Batch {
        try await call("read batch \(id)", HTTPRequest(method: "GET", url: api.baseURL + "/batches/" + id, headers: api.requestHeaders, body: []))
    }

    func cancel(_ id: String) async throws(Failure) -> Batch {
        try await call("cancel batch \(id)", HTTPRequest(url: api.baseURL + "/batches/\(id)/cancel", headers: api.requestHeaders, body: []))
    }

    /// The account's batches, newest first, every page, until `stop` says enough (it sees
    /// each page).
    func list(until stop: ([Batch]) -> Bool = { _ in false }) async throws(Failure) -> [Batch] {
        struct Page: Decodable {
            var data: [Batch]
            var has_more: Bool?
            var last_id: String?
        }
        var all: [Batch] = []
        var after: String?
        while true {
            let url = api.baseURL + "/batches?limit=100" + (after.map { "&after=\($0)" } ?? "")
            let page: Page = try await call("list batches", HTTPRequest(method: "GET", url: url, headers: api.requestHeaders, body: []))
            all += page.data
            guard page.has_more == true, let last = page.last_id ?? page.data.last?.id, !stop(page.data) else { return all }
            after = last
        }
    }

    /// `GET /files/{id}/content`: the whole file.
    func content(ofFile id: String) async throws(Failure) -> [UInt8] {
        let response = try await send(
            "download file \(id)", HTTPRequest(method: "GET", url: api.baseURL + "/files/\(id)/content", headers: api.requestHeaders, body: []))
        return response.body
    }

    private func send(_ what: String, _ request: HTTPRequest) async throws(Failure) -> HTTPResponse {
        let response: HTTPResponse
        do {
            response = try await transport.send(request, timeout: timeout)
        } catch {
            throw Failure(call: what, status: nil, message: error.description)
        }
        guard response.status == 200 else {
            let error = APIErrorBody.parse(response.body, status: response.status)
            throw Failure(call: what, status: response.status, message: error.message)
        }
        return response
    }

    private func call<T: Decodable>(_ what: String, _ request: HTTPRequest) async throws(Failure) -> T {
        let response = try await send(what, request)
        do {
            return try JSONDecoder().decode(T.self, from: Data(response.body))
        } catch {
            throw Failure(call: what, status: 200, message: "the answer is not what the API documents: \(error)")
        }
    }
}
