import Yams

/// Reads typed values out of a composed YAML tree, collecting a problem (with its line) for
/// every key or value that is wrong instead of stopping at the first.
final class YAMLNodeReader {
    let file: String
    private(set) var problems: [PipelineProblem] = []

    init(file: String) {
        self.file = file
    }

    func report(_ message: String, line: Int?) {
        problems.append(PipelineProblem(file: file, line: line, message: message))
    }

    /// The pairs of a mapping, keyed by name; unknown keys are reported with a suggestion.
    func mapping(_ node: Node, at path: String, known: [String]) -> [String: Node] {
        guard case .mapping(let mapping) = node else {
            report("\(path.isEmpty ? "the pipeline" : path) must be a mapping of keys to values, found \(describe(node))", line: node.mark?.line)
            return [:]
        }
        var pairs: [String: Node] = [:]
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                report("\(path.isEmpty ? "the pipeline" : path) has a key that is not a plain name", line: keyNode.mark?.line)
                continue
            }
            let full = path.isEmpty ? key : "\(path).\(key)"
            guard known.contains(key) else {
                let prefix = path.isEmpty ? "" : "\(path)."
                if let suggestion = key.nearest(in: known) {
                    report("unknown key '\(full)' — did you mean '\(prefix)\(suggestion)'?", line: keyNode.mark?.line)
                } else {
                    report("unknown key '\(full)' — the keys allowed here are: \(known.joined(separator: ", "))", line: keyNode.mark?.line)
                }
                continue
            }
            pairs[key] = value
        }
        return pairs
    }

    func string(_ node: Node?, at path: String) -> Located<String>? {
        guard let node else { return nil }
        guard case .scalar(let scalar) = node, node.null == nil else {
            report("\(path) must be a string, found \(describe(node))", line: node.mark?.line)
            return nil
        }
        return Located(scalar.string, line: scalar.mark?.line)
    }

    func integer(_ node: Node?, at path: String) -> Located<Int>? {
        guard let node else { return nil }
        guard let value = node.int, node.tag.rawValue == Tag.Name.int.rawValue else {
            report("\(path) must be a whole number, found \(describe(node))", line: node.mark?.line)
            return nil
        }
        return Located(value, line: node.mark?.line)
    }

    func boolean(_ node: Node?, at path: String) -> Located<Bool>? {
        guard let node else { return nil }
        guard let value = node.bool, node.tag.rawValue == Tag.Name.bool.rawValue else {
            report("\(path) must be true or false, found \(describe(node))", line: node.mark?.line)
            return nil
        }
        return Located(value, line: node.mark?.line)
    }

    func number(_ node: Node?, at path: String) -> Located<Double>? {
        guard let node else { return nil }
        guard let value = node.float, node.tag.rawValue == Tag.Name.int.rawValue || node.tag.rawValue == Tag.Name.float.rawValue else {
            report("\(path) must be a number, found \(describe(node))", line: node.mark?.line)
            return nil
        }
        return Located(value, line: node.mark?.line)
    }

    func stringList(_ node: Node?, at path: String) -> Located<[String]>? {
        guard let node else { return nil }
        guard case .sequence(let sequence) = node else {
            report("\(path) must be a list of strings, found \(describe(node))", line: node.mark?.line)
            return nil
        }
        var strings: [String] = []
        for (index, element) in sequence.enumerated() {
            if let value = string(element, at: "\(path)[\(index)]") { strings.append(value.value) }
        }
        return Located(strings, line: node.mark?.line)
    }

    /// Any YAML value as JSON, for `params`, which are passed to the API as they are.
    func json(_ node: Node, at path: String) -> JSONValue? {
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain {
                if node.null != nil { return .null }
                if node.tag.rawValue == Tag.Name.bool.rawValue, let bool = node.bool { return .bool(bool) }
                if node.tag.rawValue == Tag.Name.int.rawValue, let int = node.int { return .number(String(int)) }
                if node.tag.rawValue == Tag.Name.float.rawValue, let double = node.float {
                    guard double.isFinite else {
                        report("\(path) must be a finite number, found \(scalar.string)", line: scalar.mark?.line)
                        return nil
                    }
                    return .number(JSONNumberText.isValid(scalar.string) ? scalar.string : String(double))
                }
            }
            return .string(scalar.string)
        case .sequence(let sequence):
            var values: [JSONValue] = []
            for (index, element) in sequence.enumerated() {
                guard let value = json(element, at: "\(path)[\(index)]") else { return nil }
                values.append(value)
            }
            return .array(values)
        case .mapping(let mapping):
            var object = JSONObject()
            for (keyNode, valueNode) in mapping {
                guard let key = keyNode.scalar?.string else {
                    report("\(path) has a key that is not a plain name", line: keyNode.mark?.line)
                    return nil
                }
                guard let value = json(valueNode, at: "\(path).\(key)") else { return nil }
                object.append(key, value)
            }
            return .object(object)
        case .alias:
            report("\(path) uses a YAML alias, which pipelines do not support", line: node.mark?.line)
            return nil
        }
    }

    /// How a value looks in a message: its text for a scalar, its kind otherwise.
    func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): node.null != nil ? "nothing" : "'\(scalar.string)'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }
}
