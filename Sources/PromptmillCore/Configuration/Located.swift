/// A value read from the pipeline file, with the line it was written on.
public struct Located<Value: Sendable>: Sendable {
    public var value: Value
    public var line: Int?

    public init(_ value: Value, line: Int?) {
        self.value = value
        self.line = line
    }
}

extension Located: Equatable where Value: Equatable {}
