extension JSONSchema {
    /// One step from a value into a member or an item, with its place among its siblings.
    enum Step {
        case member(String, position: Int)
        case item(Int)

        var position: Int {
            switch self {
            case .member(_, let position): position
            case .item(let index): index
            }
        }
    }

    /// A failed check: where in the value, which keyword, and what is wrong. A class, so the
    /// recursive checks pass 8 bytes around rather than 60.
    final class Miss {
        let location: [Step]
        let rule: String
        let message: String
        /// For `anyOf` and `oneOf`: how the choice that came nearest to passing fails.
        let nearest: Miss?

        init(location: [Step], rule: String, message: String, nearest: Miss? = nil) {
            self.location = location
            self.rule = rule
            self.message = message
            self.nearest = nearest
        }

        /// Whether this failure is met before `other` reading the value's text: at an
        /// enclosing place, or inside an earlier member or item.
        func precedes(_ other: Miss) -> Bool {
            for (mine, theirs) in zip(location, other.location) where mine.position != theirs.position {
                return mine.position < theirs.position
            }
            return location.count < other.location.count
        }

        /// The violation, and for `anyOf` and `oneOf` the innermost failure of the nearest
        /// choice, followed through any `anyOf` and `oneOf` inside it.
        var violation: JSONSchemaViolation {
            var innermost = self
            while let nearer = innermost.nearest { innermost = nearer }
            let path = JSONSchema.path(location)
            var description = "\(path): \(message) (\(rule))"
            if innermost !== self {
                description += "; nearest: \(JSONSchema.path(innermost.location)): \(innermost.message) (\(innermost.rule))"
            }
            return JSONSchemaViolation(path: path, rule: rule, description: description)
        }
    }

    // `check`, `checkInPlace`, `checkInside`, `descend`, `checkAnyOf` and `checkOneOf` call
    // one another once or more per level of the value, so they keep their stack frames small:
    // nodes and misses are references, and the keywords of the value itself and the messages
    // are checked and built in functions of their own, never inlined into them. With
    // `maximumDepth` that keeps a check under 128 KB of stack in a release build, and 512 KB
    // in a debug one, for a schema that recurses through `anyOf` and `$ref` at every level.

    /// The first failure of `value` against the node at `index`, in document order.
    func check(_ value: JSONValue, against index: Int, at location: inout [Step]) -> Miss? {
        if nodes[index].rejectsEverything { return Miss(location: location, rule: "false", message: "no value is allowed here") }
        if let miss = checkItself(value, index, at: location) { return miss }
        let first = checkInside(value, index, at: &location)
        return !nodes[index].checksInPlace ? first : checkInPlace(value, index, at: &location, after: first)
    }

    /// The subschemas that apply to the value itself: `$ref`, `allOf`, `anyOf`, `oneOf`, `not`.
    private func checkInPlace(_ value: JSONValue, _ index: Int, at location: inout [Step], after inside: Miss?) -> Miss? {
        var first = inside
        if let ref = nodes[index].ref { first = Self.earlier(first, check(value, against: ref, at: &location)) }
        for branch in nodes[index].allOf { first = Self.earlier(first, check(value, against: branch, at: &location)) }
        if !nodes[index].anyOf.isEmpty { first = Self.earlier(first, checkAnyOf(value, index, at: &location)) }
        if !nodes[index].oneOf.isEmpty { first = Self.earlier(first, checkOneOf(value, index, at: &location)) }
        if let not = nodes[index].not, check(value, against: not, at: &location) == nil {
            first = Self.earlier(first, Self.notMiss(value, at: location))
        }
        return first
    }

    /// `candidate` if it comes before `current` in document order (or there is no `current`).
    private static func earlier(_ current: Miss?, _ candidate: Miss?) -> Miss? {
        guard let candidate, let current else { return current ?? candidate }
        return candidate.precedes(current) ? candidate : current
    }

    /// The keywords about the value as a whole, in a fixed order.
    @inline(never)
    private func checkItself(_ value: JSONValue, _ index: Int, at location: [Step]) -> Miss? {
        let node = nodes[index].keywords
        func miss(_ rule: String, _ message: String) -> Miss { Miss(location: location, rule: rule, message: message) }
        if let types = node.types, !JSONSchema.value(value, isOneOf: types) {
            let expected = Kinds.named.filter { types.contains($0.kind) }.map(\.phrase)
            return miss("type", "\(JSONSchema.render(value)) is \(JSONSchema.kind(of: value)), expected \(JSONSchema.list(expected, "or"))")
        }
        if node.constant != nil || node.choices != nil {
            let key = JSONSchema.canonicalKey(value)
            if let constant = node.constant, key != constant.key {
                return miss("const", "\(JSONSchema.render(value)) is not \(JSONSchema.render(constant.value)), the one value allowed")
            }
            if let choices = node.choices, !node.choiceKeys.contains(key) {
                let shown = choices.prefix(10).map { JSONSchema.render($0.value) } + (choices.count > 10 ? ["… (\(choices.count) in all)"] : [])
                return miss("enum", "\(JSONSchema.render(value)) is not one of \(shown.joined(separator: ", "))")
            }
        }
        switch value {
        case .string(let text):
            if node.minLength != nil || node.maxLength != nil {
                let length = text.unicodeScalars.count
                if let minimum = node.minLength, length < minimum {
                    return miss("minLength", "\(JSONSchema.render(value)) has \(JSONSchema.count(length, "character")), fewer than \(minimum)")
                }
                if let maximum = node.maxLength, length > maximum {
                    return miss("maxLength", "\(JSONSchema.render(value)) has \(JSONSchema.count(length, "character")), more than \(maximum)")
                }
            }
            if let pattern = node.pattern, !pattern.matches(text) {
                return miss("pattern", "\(JSONSchema.render(value)) does not match the pattern \(pattern.source)")
            }
            if let format = node.format, !format.accepts(text) {
                return miss("format", "\(JSONSchema.render(value)) is not a valid \(format.noun)")
            }
        case .number(let text) where node.checksNumbers:
            let shown = JSONSchema.render(value)
            guard let number = ExactNumber(text) else { return miss("type", "\(shown) is not a JSON number") }
            if let bound = node.minimum, number < bound.number { return miss("minimum", "\(shown) is less than the minimum \(bound.text)") }
            if let bound = node.exclusiveMinimum, !(bound.number < number) {
                return miss("exclusiveMinimum", "\(shown) is not greater than \(bound.text)")
            }
            if let bound = node.maximum, bound.number < number { return miss("maximum", "\(shown) is greater than the maximum \(bound.text)") }
            if let bound = node.exclusiveMaximum, !(number < bound.number) {
                return miss("exclusiveMaximum", "\(shown) is not less than \(bound.text)")
            }
            if let bound = node.multipleOf, !number.isMultiple(of: bound.number) {
                return miss("multipleOf", "\(shown) is not a multiple of \(bound.text)")
            }
        case .array(let items):
            if let minimum = node.minItems, items.count < minimum {
                return miss("minItems", "the array has \(JSONSchema.count(items.count, "item")), fewer than \(minimum)")
            }
            if let maximum = node.maxItems, items.count > maximum {
                return miss("maxItems", "the array has \(JSONSchema.count(items.count, "item")), more than \(maximum)")
            }
            if node.uniqueItems {
                var seen: [[UInt8]: Int] = [:]
                for (index, item) in items.enumerated() {
                    if let earlier = seen.updateValue(index, forKey: JSONSchema.canonicalKey(item)) {
                        return miss("uniqueItems", "items \(earlier) and \(index) are equal, and items must be unique")
                    }
                }
            }
        case .object(let object):
            for name in node.required where !object.keys.contains(where: { $0.utf8.elementsEqual(name.utf8) }) {
                return miss("required", "the required property \(JSONSchema.render(.string(name))) is missing")
            }
            if node.minProperties != nil || node.maxProperties != nil {
                let count = JSONSchema.members(of: object).count
                if let minimum = node.minProperties, count < minimum {
                    return miss("minProperties", "the object has \(JSONSchema.count(count, "property")), fewer than \(minimum)")
                }
                if let maximum = node.maxProperties, count > maximum {
                    return miss("maxProperties", "the object has \(JSONSchema.count(count, "property")), more than \(maximum)")
                }
            }
        default:
            break
        }
        return nil
    }

    /// The first failure among the value's items or members, checked in their order.
    private func checkInside(_ value: JSONValue, _ index: Int, at location: inout [Step]) -> Miss? {
        switch value {
        case .array(let items):
            let prefix = nodes[index].prefixItems
            let rest = nodes[index].items
            for (position, item) in items.enumerated() {
                guard let schema = position < prefix.count ? prefix[position] : rest else { break }
                location.append(.item(position))
                defer { location.removeLast() }
                if let miss = descend(into: item, schema, by: position < prefix.count ? "prefixItems" : "items", at: &location) { return miss }
            }
        case .object(let object):
            guard !nodes[index].properties.isEmpty || nodes[index].additionalProperties != nil else { return nil }
            for (position, member) in JSONSchema.members(of: object).enumerated() {
                let keyword: String
                let schema: Int
                if let property = nodes[index].properties[Array(member.key.utf8)] {
                    (keyword, schema) = ("properties", property)
                } else if let additional = nodes[index].additionalProperties {
                    (keyword, schema) = ("additionalProperties", additional)
                } else {
                    continue
                }
                location.append(.member(member.key, position: position))
                defer { location.removeLast() }
                if let miss = descend(into: member.value, schema, by: keyword, at: &location) { return miss }
            }
        default:
            break
        }
        return nil
    }

    /// Checks a member or item; when its schema is `false`, the keyword that led there is the
    /// rule broken (`additionalProperties: false` refuses an extra property).
    private func descend(into value: JSONValue, _ schema: Int, by keyword: String, at location: inout [Step]) -> Miss? {
        guard !nodes[schema].rejectsEverything else { return Self.refusal(by: keyword, at: location) }
        guard location.count <= Self.maximumDepth else { return Self.tooDeep(at: location) }
        return check(value, against: schema, at: &location)
    }

    @inline(never)
    private func checkAnyOf(_ value: JSONValue, _ index: Int, at location: inout [Step]) -> Miss? {
        var misses: [Miss] = []
        for branch in nodes[index].anyOf {
            guard let miss = check(value, against: branch, at: &location) else { return nil }
            misses.append(miss)
        }
        return Self.noneMatched(value, "anyOf", misses, at: location)
    }

    @inline(never)
    private func checkOneOf(_ value: JSONValue, _ index: Int, at location: inout [Step]) -> Miss? {
        var misses: [Miss] = []
        var matched: [Int] = []
        for (position, branch) in nodes[index].oneOf.enumerated() {
            if let miss = check(value, against: branch, at: &location) {
                misses.append(miss)
            } else {
                matched.append(position)
            }
        }
        switch matched.count {
        case 1: return nil
        case 0: return Self.noneMatched(value, "oneOf", misses, at: location)
        default: return Self.severalMatched(value, matched, at: location)
        }
    }

    // MARK: Messages

    @inline(never)
    private static func refusal(by keyword: String, at location: [Step]) -> Miss {
        let message: String
        switch location.last {
        case .member(let name, _): message = "the property \(render(.string(name))) is not allowed"
        case .item(let index): message = "the array allows no item at index \(index)"
        case nil: message = "no value is allowed here"
        }
        return Miss(location: location, rule: keyword, message: message)
    }

    @inline(never)
    private static func tooDeep(at location: [Step]) -> Miss {
        Miss(location: location, rule: "depth", message: "the value nests more than \(maximumDepth) levels deep, deeper than this checks")
    }

    @inline(never)
    private static func notMiss(_ value: JSONValue, at location: [Step]) -> Miss {
        Miss(location: location, rule: "not", message: "\(render(value)) matches the schema under not, which it must not")
    }

    @inline(never)
    private static func noneMatched(_ value: JSONValue, _ keyword: String, _ misses: [Miss], at location: [Step]) -> Miss {
        let message = "\(render(value)) matches none of the \(misses.count) \(keyword) choices"
        return Miss(location: location, rule: keyword, message: message, nearest: nearest(of: misses, at: location))
    }

    @inline(never)
    private static func severalMatched(_ value: JSONValue, _ matched: [Int], at location: [Step]) -> Miss {
        let choices = list(matched.map { "oneOf/\($0)" }, "and")
        return Miss(location: location, rule: "oneOf", message: "\(render(value)) matches \(choices), and must match exactly one oneOf choice")
    }

    /// The failure of the choice that came nearest to passing: one whose type fit, failing
    /// deepest inside the value; the earliest choice among equals.
    @inline(never)
    private static func nearest(of misses: [Miss], at location: [Step]) -> Miss? {
        func score(_ miss: Miss) -> (Int, Int) {
            (miss.rule == "type" && miss.location.count == location.count ? 0 : 1, miss.location.count)
        }
        var best: Miss?
        for miss in misses where best.map({ score(miss) > score($0) }) ?? true {
            best = miss
        }
        return best
    }
}
