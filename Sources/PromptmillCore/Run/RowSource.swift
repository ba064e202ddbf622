import AsyncAlgorithms

/// Stages 1 and 2, read and render: a task of its own reads the input, checks each row,
/// renders the first step's request and computes its key, a chunk at a time, while the flow
/// works on the chunks before. Chunks are handed over through `AsyncThrowingChannel`s with an
/// `AsyncBufferSequence` of `prefetch` chunks between them: the reader runs ahead at most that
/// far (so memory stays flat), and a slow moment on either side does not stall the other.
final class RowSource: Sendable {
    /// Rows in input order, each rendered for the first step (with its key when the run
    /// keeps answers), and the bad rows met among them.
    struct Chunk: Sendable {
        var rows: [PreparedRow] = []
        var problems: [InputProblem] = []
    }

    private let channel = AsyncThrowingChannel<Chunk, any Error>()
    private let reader: Task<Void, Never>
    private let forwarder: Task<Void, Never>

    /// Starts reading. `keyed`: compute each row's answer key. `skip`: rows that already
    /// have a record (passed over unrendered). `duplicates`: the rows whose id an earlier row
    /// has, with its line, as the input's scan found them (no id is kept while the job runs).
    ///
    /// `claims`: a worker of a shared job reads only the chunks of rows it claims, as the
    /// flow asks for more, and passes over the rest; it ends when none is left to claim.
    init(
        configuration: PipelineConfiguration, keyed: Bool, skip: RowSet, duplicates: [Int: Int], chunkSize: Int, prefetch: Int = 4,
        claims: (any RowClaims)? = nil
    ) {
        let read = AsyncThrowingChannel<Chunk, any Error>()
        let channel = channel
        forwarder = Task.detached {
            do {
                for try await chunk in read.buffer(policy: .bounded(prefetch)) {
                    await channel.send(chunk)
                    if Task.isCancelled { break }
                }
                channel.finish()
            } catch {
                channel.fail(error)
            }
        }
        reader = Task.detached {
            let channel = read
            do {
                let first = configuration.stages[0].configuration
                var preparer = try RowPreparer(configuration: first, duplicates: .known(duplicates))
                preparer.keepFields = configuration.rowsNeedContext
                var keyer = keyed ? ResponseCacheKeyer(configuration: first) : nil
                if let claims {
                    try await Self.readClaimed(
                        claims, preparer: &preparer, keyer: &keyer, chunkSize: chunkSize, into: channel,
                        configuration: configuration, duplicates: duplicates)
                    channel.finish()
                    return
                }
                var ended = false
                while !ended, !Task.isCancelled {
                    let chunk: Chunk
                    (chunk, ended) = try Self.fill(chunkSize, keyer: &keyer) { () throws(InputError) in try preparer.next(skipping: skip) }
                    await channel.send(chunk)
                }
                channel.finish()
            } catch {
                channel.fail(error)
            }
        }
    }

    /// A shared job's worker: claims chunks of rows until none is left, reading each.
    private static func readClaimed(
        _ claims: any RowClaims, preparer: inout RowPreparer, keyer: inout ResponseCacheKeyer?, chunkSize: Int,
        into channel: AsyncThrowingChannel<Chunk, any Error>, configuration: PipelineConfiguration, duplicates: [Int: Int]
    ) async throws {
        while !Task.isCancelled, let claim = try await claims.claim() {
            if claim.rows.lowerBound < preparer.nextRowNumber {
                // A chunk another worker left behind, before where this one has read.
                let keepFields = preparer.keepFields
                preparer = try RowPreparer(configuration: configuration.stages[0].configuration, duplicates: .known(duplicates))
                preparer.keepFields = keepFields
            }
            // The claim's recorded rows are every record the store holds in the chunk, those
            // in `skip` (read from the same store at the start) among them.
            var ended = false
            while !ended, !Task.isCancelled {
                let chunk: Chunk
                (chunk, ended) = try fill(chunkSize, keyer: &keyer) { () throws(InputError) in
                    try preparer.next(skipping: claim.recorded, within: claim.rows)
                }
                if !chunk.rows.isEmpty || !chunk.problems.isEmpty { await channel.send(chunk) }
            }
        }
    }

    /// Up to `size` rows from `next`, each keyed when the run keeps answers, with the bad
    /// rows met among them; `ended`: `next` ran out.
    private static func fill(
        _ size: Int, keyer: inout ResponseCacheKeyer?, next: () throws(InputError) -> RowPreparer.Result?
    ) throws(InputError) -> (chunk: Chunk, ended: Bool) {
        var chunk = Chunk()
        chunk.rows.reserveCapacity(size)
        while chunk.rows.count < size {
            guard let result = try next() else { return (chunk, true) }
            switch result {
            case .row(var row):
                if keyer != nil { row.cacheKey = APIRequest.cacheKey(row, keyer: &keyer!) }
                chunk.rows.append(row)
            case .bad(let problem):
                chunk.problems.append(problem)
            }
        }
        return (chunk, false)
    }

    /// The chunks in input order; ends at the input's end, throws `InputError`.
    func chunks() -> AsyncThrowingChannel<Chunk, any Error> { channel }

    /// Stops the reader (the run stopped early).
    func cancel() {
        reader.cancel()
        forwarder.cancel()
        channel.finish()
    }
}
