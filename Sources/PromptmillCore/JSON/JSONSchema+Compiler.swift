import Foundation

extension JSONSchema {
    /// Turns a schema document into `Node`s: every keyword checked for support and shape,
    /// every `$ref` resolved to the node it names, and `$ref` loops that would never end
    /// refused.
    struct Compiler {
        let root: JSONValue
        private var nodes: [Keywords] = []
        /// Each node's place in the schema, as a JSON Pointer fragment.
        private var paths: [String] = []
        private var nodeAtPath: [String: Int] = [:]
        private var refs: [(node: Int, ref: String, path: [String])] = []

        init(root: JSONValue) {
            self.root = root
        }

        mutating func compile() throws(JSONSchemaError) -> [Node] {
            _ = try schema(root, at: [])
            // Resolving a ref may compile a schema with refs of its own: they join the queue.
            var resolved = 0
            while resolved < refs.count {
                let (node, ref, path) = refs[resolved]
                nodes[node].ref = try target(of: ref, at: path)
                resolved += 1
            }
            try refuseEndlessLoops()
            return nodes.map(Node.init)
        }

        // MARK: Schemas

        private mutating func schema(_ value: JSONValue, at path: [String]) throws(JSONSchemaError) -> Int {
            let pointer = Self.pointer(path)
            if let known = nodeAtPath[pointer] { return known }
            let index = nodes.count
            nodes.append(Keywords())
            paths.append(pointer)
            nodeAtPath[pointer] = index
            switch value {
            case .bool(let passes):
                nodes[index].rejectsEverything = !passes
            case .object(let object):
                let node = try self.node(object, at: path, index: index)
                nodes[index] = node
            default:
                throw Self.error(path, "a schema is an object or true or false, not \(JSONSchema.render(value))")
            }
            return index
        }

        private mutating func node(_ object: JSONObject, at path: [String], index: Int) throws(JSONSchemaError) -> Keywords {
            var node = Keywords()
            for (key, value) in JSONSchema.members(of: object) {
                let here = path + [key]
                switch key {
                case "type": node.types = try kinds(value, at: here)
                case "const": node.constant = Literal(value: value, key: JSONSchema.canonicalKey(value))
                case "enum":
                    let choices = try list(value, at: here).map { Literal(value: $0, key: JSONSchema.canonicalKey($0)) }
                    node.choices = choices
                    node.choiceKeys = Set(choices.map(\.key))
                case "minLength": node.minLength = try count(value, at: here)
                case "maxLength": node.maxLength = try count(value, at: here)
                case "pattern":
                    guard case .string(let source) = value else { throw Self.error(here, "must be a string, not \(JSONSchema.render(value))") }
                    guard let pattern = Pattern(source) else {
                        throw Self.error(here, "\(JSONSchema.render(value)) is not a regular expression this can compile")
                    }
                    node.pattern = pattern
                case "format":
                    guard case .string(let name) = value else { throw Self.error(here, "must be a string, not \(JSONSchema.render(value))") }
                    node.format = Format(rawValue: name)
                case "minimum": node.minimum = try bound(value, at: here)
                case "maximum": node.maximum = try bound(value, at: here)
                case "exclusiveMinimum": node.exclusiveMinimum = try bound(value, at: here)
                case "exclusiveMaximum": node.exclusiveMaximum = try bound(value, at: here)
                case "multipleOf":
                    let divisor = try bound(value, at: here)
                    guard !divisor.number.isNegative, !divisor.number.digits.isEmpty else { throw Self.error(here, "must be greater than 0") }
                    guard divisor.number.significand != nil else {
                        throw Self.error(here, "has more than 19 significant digits, more than this checks")
                    }
                    node.multipleOf = divisor
                case "minItems": node.minItems = try count(value, at: here)
                case "maxItems": node.maxItems = try count(value, at: here)
                case "uniqueItems":
                    guard case .bool(let unique) = value else { throw Self.error(here, "must be true or false, not \(JSONSchema.render(value))") }
                    node.uniqueItems = unique
                case "items":
                    if case .array = value {
                        throw Self.error(here, "a list of schemas is the pre-2020 form of items; write them as prefixItems")
                    }
                    node.items = try schema(value, at: here)
                case "prefixItems": node.prefixItems = try schemas(value, at: here)
                case "properties":
                    guard case .object(let properties) = value else { throw Self.error(here, "must be an object, not \(JSONSchema.render(value))") }
                    for (name, property) in JSONSchema.members(of: properties) {
                        node.properties[Array(name.utf8)] = try schema(property, at: here + [name])
                    }
                case "required":
                    node.required = try list(value, at: here).map { (name) throws(JSONSchemaError) -> String in
                        guard case .string(let name) = name else { throw Self.error(here, "must list strings, not \(JSONSchema.render(name))") }
                        return name
                    }
                case "additionalProperties": node.additionalProperties = try schema(value, at: here)
                case "minProperties": node.minProperties = try count(value, at: here)
                case "maxProperties": node.maxProperties = try count(value, at: here)
                case "allOf": node.allOf = try schemas(value, at: here)
                case "anyOf": node.anyOf = try schemas(value, at: here)
                case "oneOf": node.oneOf = try schemas(value, at: here)
                case "not": node.not = try schema(value, at: here)
                case "$ref":
                    guard case .string(let ref) = value else { throw Self.error(here, "must be a string, not \(JSONSchema.render(value))") }
                    refs.append((index, ref, here))
                case "$defs", "definitions":
                    guard case .object(let definitions) = value else { throw Self.error(here, "must be an object, not \(JSONSchema.render(value))") }
                    for (name, definition) in JSONSchema.members(of: definitions) {
                        _ = try schema(definition, at: here + [name])
                    }
                case "$id" where !path.isEmpty:
                    throw Self.error(here, "$id inside a schema changes what the $refs under it point to, which this does not follow; remove it")
                case _ where JSONSchema.annotations.contains(key):
                    continue
                default:
                    throw unsupported(key, at: here)
                }
            }
            return node
        }

        private mutating func schemas(_ value: JSONValue, at path: [String]) throws(JSONSchemaError) -> [Int] {
            let elements = try list(value, at: path)
            guard !elements.isEmpty else { throw Self.error(path, "must list at least one schema") }
            var indices: [Int] = []
            for (position, element) in elements.enumerated() {
                indices.append(try schema(element, at: path + [String(position)]))
            }
            return indices
        }

        // MARK: Keyword values

        private func kinds(_ value: JSONValue, at path: [String]) throws(JSONSchemaError) -> Kinds {
            let names: [JSONValue]
            if case .array(let list) = value, !list.isEmpty {
                names = list
            } else if case .string = value {
                names = [value]
            } else {
                throw Self.error(path, "must be a type name or a non-empty list of them, not \(JSONSchema.render(value))")
            }
            var kinds: Kinds = []
            for name in names {
                let known = Kinds.named.map(\.name)
                guard case .string(let text) = name, let entry = Kinds.named.first(where: { $0.name == text }) else {
                    var hint = ""
                    if case .string(let text) = name, let nearest = text.nearest(in: known) { hint = "did you mean \"\(nearest)\"? " }
                    throw Self.error(path, "\(JSONSchema.render(name)) is not a type name — \(hint)the names are \(known.joined(separator: ", "))")
                }
                kinds.insert(entry.kind)
            }
            return kinds
        }

        private func list(_ value: JSONValue, at path: [String]) throws(JSONSchemaError) -> [JSONValue] {
            guard case .array(let elements) = value else { throw Self.error(path, "must be a list, not \(JSONSchema.render(value))") }
            return elements
        }

        private func count(_ value: JSONValue, at path: [String]) throws(JSONSchemaError) -> Int {
            guard case .number(let text) = value, let number = ExactNumber(text), number.isInteger, !number.isNegative else {
                throw Self.error(path, "must be a whole number 0 or more, not \(JSONSchema.render(value))")
            }
            return number.integer ?? Int.max
        }

        private func bound(_ value: JSONValue, at path: [String]) throws(JSONSchemaError) -> Bound {
            guard case .number(let text) = value, let number = ExactNumber(text) else {
                var draft4 = ""
                if case .bool = value, path.last?.hasPrefix("exclusive") == true {
                    draft4 = " (the true/false form is draft 4's: write the limit itself)"
                }
                throw Self.error(path, "must be a number, not \(JSONSchema.render(value))\(draft4)")
            }
            return Bound(number: number, text: text)
        }

        private func unsupported(_ key: String, at path: [String]) -> JSONSchemaError {
            let supported = JSONSchema.checkedKeywords.sorted()
            let hint = key.nearest(in: JSONSchema.keywords).map { "did you mean \"\($0)\"? " } ?? ""
            return Self.error(
                path,
                "\"\(key)\" is not a keyword this checks, and skipping it would pass answers that break it — \(hint)"
                    + "remove it or say it with the supported ones: \(supported.joined(separator: ", "))")
        }

        // MARK: References

        /// The node a `$ref` names: the whole schema (`#`) or a JSON Pointer into it
        /// (`#/$defs/node`), compiled now if no keyword has compiled it yet.
        private mutating func target(of ref: String, at path: [String]) throws(JSONSchemaError) -> Int {
            var local = ref
            if case .object(let rootObject) = root, case .string(var id) = rootObject["$id"] ?? .null {
                if id.hasSuffix("#") { id.removeLast() }
                if !id.isEmpty, local.hasPrefix(id) { local = "#" + local.dropFirst(id.count).drop { $0 == "#" } }
            }
            guard local.hasPrefix("#") else {
                throw Self.error(path, "\"\(ref)\" points outside this schema; only refs within it, such as \"#/$defs/NAME\", are followed")
            }
            let fragment = String(local.dropFirst()).removingPercentEncoding ?? String(local.dropFirst())
            guard fragment.isEmpty || fragment.hasPrefix("/") else {
                throw Self.error(path, "\"\(ref)\" names an anchor; only JSON Pointer refs, such as \"#/$defs/NAME\", are followed")
            }
            let tokens =
                fragment.isEmpty
                ? []
                : fragment.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
                    $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
                }
            if let known = nodeAtPath[Self.pointer(tokens)] { return known }
            var value = root
            for token in tokens {
                var next: JSONValue?
                switch value {
                case .object(let object):
                    next = JSONSchema.members(of: object).first { $0.key.utf8.elementsEqual(token.utf8) }?.value
                case .array(let elements):
                    next = Int(token).flatMap { elements.indices.contains($0) ? elements[$0] : nil }
                default:
                    next = nil
                }
                guard let next else { throw Self.error(path, "\"\(ref)\" points to nothing in this schema") }
                value = next
            }
            return try schema(value, at: tokens)
        }

        /// Refuses a loop of `$ref`, `allOf`, `anyOf`, `oneOf` and `not` that comes back to a
        /// schema without moving into a member or item of the value: checking would never end.
        private func refuseEndlessLoops() throws(JSONSchemaError) {
            var state = [UInt8](repeating: 0, count: nodes.count)  // 0 unseen, 1 on the path, 2 done
            for start in nodes.indices where state[start] == 0 {
                var stack: [(node: Int, next: Int)] = [(start, 0)]
                state[start] = 1
                while let (node, next) = stack.last {
                    let edges = nodes[node].inPlace
                    guard next < edges.count else {
                        state[node] = 2
                        stack.removeLast()
                        continue
                    }
                    stack[stack.count - 1].next += 1
                    let child = edges[next]
                    if state[child] == 1 {
                        throw JSONSchemaError(
                            path: paths[node],
                            message: "leads back to \(paths[child]) through $ref, allOf, anyOf, oneOf or not without moving into a property"
                                + " or an item, so checking a value against it would never end")
                    }
                    if state[child] == 0 {
                        state[child] = 1
                        stack.append((child, 0))
                    }
                }
            }
        }

        // MARK: Paths

        static func pointer(_ path: [String]) -> String {
            "#" + path.map { "/" + $0.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1") }.joined()
        }

        static func error(_ path: [String], _ message: String) -> JSONSchemaError {
            JSONSchemaError(path: pointer(path), message: message)
        }
    }
}
