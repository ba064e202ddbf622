/// One step of reading: a row, or a bad row (the reader goes on after it).
public enum RowReadResult: Sendable {
    case row(InputRow)
    case bad(InputProblem)
}
