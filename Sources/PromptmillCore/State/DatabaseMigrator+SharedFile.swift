import GRDB

extension DatabaseMigrator {
    /// Runs the migrations the file lacks, when other processes may open the same file at the
    /// same moment (jobs started together share one cache). GRDB reads which migrations a file
    /// has before it takes the write lock, so two openers of a new file can both run "v1" and
    /// the second fails when it records it. After a failure the file is looked at again: if
    /// another opener completed the migrations, so be it; otherwise it is tried again, at most
    /// once per migration, and the last error is thrown.
    func migrateSharedFile(_ writer: some DatabaseWriter) throws {
        var attempts = 0
        while true {
            do {
                try migrate(writer)
                return
            } catch {
                if (try? writer.read({ db in try hasCompletedMigrations(db) })) == true { return }
                attempts += 1
                if attempts > migrations.count { throw error }
            }
        }
    }
}
