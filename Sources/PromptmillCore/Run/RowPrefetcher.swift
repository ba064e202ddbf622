import Foundation

/// Reads, checks and renders rows on a thread of its own, a chunk at a time, with each
/// row's cache key: while the job's task looks rows up and writes records, the next chunk
/// is being prepared on the other core. At most `depth` chunks wait, so memory stays flat.
final class RowPrefetcher: @unchecked Sendable {
    /// Rows in input order, each with its `cacheKey` when the run uses the cache, and the
    /// bad rows met among them.
    struct Chunk: Sendable {
        var rows: [PreparedRow] = []
        var problems: [InputProblem] = []
    }

    private enum Slot {
        case chunk(Chunk)
        case failed(InputError)
        case end
    }

    private let condition = NSCondition()
    // Guarded by `condition`.
    private var slots: [Slot] = []
    private var cancelled = false
    private let depth: Int

    /// Starts the thread. `skip`: rows that already have a record (their ids still count
    /// toward duplicates).
    init(preparer: RowPreparer, keyer: ResponseCacheKeyer?, skip: RowSet, chunkSize: Int, depth: Int = 4) {
        self.depth = depth
        let state = ThreadState(preparer: preparer, keyer: keyer)
        let thread = Thread { [self] in
            produce(state, skip: skip, chunkSize: chunkSize)
        }
        thread.name = "promptmill.rows"
        thread.start()
    }

    /// The next chunk, waiting for it if need be; nil at the end of the input.
    func next() throws(InputError) -> Chunk? {
        condition.lock()
        defer { condition.unlock() }
        while slots.isEmpty { condition.wait() }
        switch slots[0] {
        case .chunk(let chunk):
            slots.removeFirst()
            condition.broadcast()
            return chunk
        case .failed(let error):
            throw error
        case .end:
            return nil
        }
    }

    /// Stops the thread at its next chunk (the run stopped early).
    func cancel() {
        condition.lock()
        cancelled = true
        slots.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    private func produce(_ state: ThreadState, skip: RowSet, chunkSize: Int) {
        while true {
            var chunk = Chunk()
            chunk.rows.reserveCapacity(chunkSize)
            var ended = false
            do throws(InputError) {
                while chunk.rows.count < chunkSize {
                    guard let next = try state.preparer.next(skipping: skip) else {
                        ended = true
                        break
                    }
                    switch next {
                    case .row(var row):
                        if state.keyer != nil { row.cacheKey = APIRequest.cacheKey(row, keyer: &state.keyer!) }
                        chunk.rows.append(row)
                    case .bad(let problem):
                        chunk.problems.append(problem)
                    }
                }
            } catch {
                put(.chunk(chunk))
                put(.failed(error))
                return
            }
            guard put(.chunk(chunk)) else { return }
            if ended {
                put(.end)
                return
            }
        }
    }

    /// Returns false when the run no longer wants rows.
    @discardableResult
    private func put(_ slot: Slot) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while slots.count >= depth, !cancelled { condition.wait() }
        guard !cancelled else { return false }
        slots.append(slot)
        condition.broadcast()
        return true
    }

    /// What the thread alone touches.
    private final class ThreadState: @unchecked Sendable {
        var preparer: RowPreparer
        var keyer: ResponseCacheKeyer?

        init(preparer: RowPreparer, keyer: ResponseCacheKeyer?) {
            self.preparer = preparer
            self.keyer = keyer
        }
    }
}
