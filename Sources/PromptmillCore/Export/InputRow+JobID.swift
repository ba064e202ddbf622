extension InputRow {
    /// The row's id as a run computes it (`RowPreparer`): the value of `input.id` (a
    /// non-empty string, or a number as written), or without `input.id` the row number.
    /// nil when the id field is missing or unusable: the run rejects such a row.
    func jobID(field: String?) -> String? {
        guard let field else { return String(number) }
        switch fields[field] {
        case .string(let text)? where !text.isEmpty: return text
        case .number(let digits)?: return digits
        default: return nil
        }
    }
}
