/// `estimate --check N`: sample requests counted offline beside the API's own count.
public struct TokenCountCheckReport: Sendable, Equatable {
    /// One request checked: a row, or the rows of one packed request.
    public struct Sample: Sendable, Equatable {
        /// The ids of its rows, in order.
        public var ids: [String]
        /// The prompt tokens the estimate counts for the request.
        public var offline: Int
        /// `input_tokens` as the API counted it.
        public var api: Int
        /// api − offline: positive when the API counts more.
        public var difference: Int { api - offline }
    }

    /// The counting endpoint, `{base_url}/responses/input_tokens`.
    public var url: String
    /// Good rows in the input (the samples are spread evenly over them).
    public var rowsInInput: Int
    /// Rows a request: a packed pipeline is checked as the run packs its rows.
    public var pack: Int
    public var samples: [Sample]

    /// Rows sent (a packed request counts each of its rows).
    public var rowsChecked: Int { samples.reduce(0) { $0 + $1.ids.count } }
    /// Requests whose offline count equals the API's.
    public var equal: Int { samples.count { $0.difference == 0 } }
    /// The request farthest from the API's count; nil when there is none.
    public var largest: Sample? { samples.max { abs($0.difference) < abs($1.difference) } }
}

extension TokenCountCheckReport.Sample: Encodable {
    enum CodingKeys: String, CodingKey {
        case ids
        case offline = "offline_tokens"
        case api = "api_tokens"
        case difference
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(ids, forKey: .ids)
        try container.encode(offline, forKey: .offline)
        try container.encode(api, forKey: .api)
        try container.encode(difference, forKey: .difference)
    }
}

extension TokenCountCheckReport: Encodable {
    enum CodingKeys: String, CodingKey {
        case url
        case sampling
        case rowsInInput = "rows_in_input"
        case rowsChecked = "rows_checked"
        case pack, samples
        case requestsEqual = "requests_equal"
        case largestDifference = "largest_difference"
    }

    /// `sampling` is always `spread_evenly`: the rows at positions i × rows ÷ N.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(url, forKey: .url)
        try container.encode("spread_evenly", forKey: .sampling)
        try container.encode(rowsInInput, forKey: .rowsInInput)
        try container.encode(rowsChecked, forKey: .rowsChecked)
        try container.encode(pack, forKey: .pack)
        try container.encode(samples, forKey: .samples)
        try container.encode(equal, forKey: .requestsEqual)
        try container.encode(largest?.difference ?? 0, forKey: .largestDifference)
    }
}
