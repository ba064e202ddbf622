import CZlib

/// Streaming gzip decompression that reads every member of a multi-member file, as
/// promptmill's own output is written.
final class GzipInflater {
    private var stream = z_stream()
    private let displayName: String
    /// True between members: the last one ended and no byte of the next has been read.
    private var atMemberBoundary = false
    /// Where zlib writes, reused from call to call.
    private var scratch: [UInt8] = []

    init(displayName: String) throws(InputError) {
        self.displayName = displayName
        let status = inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw .invalidGzip(file: displayName, reason: "zlib could not start (\(status))") }
    }

    deinit {
        inflateEnd(&stream)
    }

    /// Decompresses from `input` into the end of `output` (at most `capacity` bytes).
    func inflate(input: UnsafeBufferPointer<UInt8>, into output: inout [UInt8], capacity: Int) throws(InputError)
        -> (consumed: Int, written: Int)
    {
        // zlib writes into a scratch buffer kept between calls; the bytes written are then
        // appended with one copy (no zero-filling of `output` that is cut back afterwards).
        if scratch.count < capacity { scratch = [UInt8](repeating: 0, count: capacity) }
        var consumed = 0
        var written = 0
        var failure: InputError?
        scratch.withUnsafeMutableBufferPointer { buffer in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = UInt32(input.count)
            stream.next_out = buffer.baseAddress!
            stream.avail_out = UInt32(capacity)
            while stream.avail_out > 0, stream.avail_in > 0 {
                if atMemberBoundary {
                    guard stream.next_in.pointee == 0x1F else {
                        failure = .invalidGzip(file: displayName, reason: "data after the last gzip member is not gzip")
                        return
                    }
                    inflateReset(&stream)
                    atMemberBoundary = false
                }
                let status = CZlib.inflate(&stream, Z_NO_FLUSH)
                if status == Z_STREAM_END {
                    atMemberBoundary = true
                } else if status == Z_BUF_ERROR {
                    break
                } else if status != Z_OK {
                    let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                    failure = .invalidGzip(file: displayName, reason: message)
                    return
                }
            }
            consumed = input.count - Int(stream.avail_in)
            written = capacity - Int(stream.avail_out)
        }
        if let failure { throw failure }
        scratch.withUnsafeBufferPointer { output.append(contentsOf: UnsafeBufferPointer(rebasing: $0[..<written])) }
        return (consumed, written)
    }

    /// At the end of the file: a member cut off in the middle is an error.
    func finish() throws(InputError) {
        guard atMemberBoundary || stream.total_in == 0 else {
            throw .invalidGzip(file: displayName, reason: "the file ends in the middle of a gzip member")
        }
    }
}
