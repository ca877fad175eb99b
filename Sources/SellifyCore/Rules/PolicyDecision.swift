import SellifyLua

/// What `decide(ctx)` returned, checked against the host's contract: a known
/// action, a rule id, a reason, a template for RespondText, a product with
/// media for RespondImage/RespondVideo, a declared state.
public struct PolicyDecision: Sendable, Equatable, Codable {
    public var action: Action
    /// The branch of the policy that decided (snake_case id).
    public var rule: String
    public var reason: String
    public var template: String?
    public var product: String?
    /// The state the policy proposes; the conversation engine enforces transitions.
    public var state: String?
    /// `ai`: word the answer with the generative providers (`ai.providers`),
    /// following `brief`; `template` is the fallback. nil or `template`: the template.
    public var wording: String?
    /// What the AI-worded answer should do ("answer the price question warmly").
    public var brief: String?

    public init(
        action: Action, rule: String, reason: String, template: String? = nil, product: String? = nil,
        state: String? = nil
    ) {
        self.action = action
        self.rule = rule
        self.reason = reason
        self.template = template
        self.product = product
        self.state = state
    }

    /// In the order `init(_:contract:file:)` reads them.
    static let fields = ["action", "rule", "reason", "template", "product", "state", "wording", "brief"]
    /// The longest `brief`, in characters.
    static let maxBrief = 500

    /// The rules asked for AI wording.
    public var wantsAI: Bool { wording == "ai" }
    static let actionList = Action.allCases.map(\.rawValue).joined(separator: ", ")

    /// What the decoder checks names against.
    public struct Contract: Sendable {
        public var templates: Set<String>
        public var states: Set<String>
        /// Product id → (has images, has videos).
        public var media: [String: (images: Bool, videos: Bool)]
        public init(templates: Set<String>, states: Set<String>, media: [String: (images: Bool, videos: Bool)]) {
            self.templates = templates
            self.states = states
            self.media = media
        }
    }

    /// Decodes the table on the Lua stack. Errors name `file` and, where a
    /// returned string appears literally in the source, its line.
    init(_ result: LuaReader, contract: Contract, file: RuleSources.File) throws(LuaError) {
        func fail(_ message: String, near literal: String? = nil, field: String? = nil) -> LuaError {
            LuaError(
                kind: .contract, message: message, file: file.displayPath,
                line: literal.flatMap { file.line(ofLiteral: $0) } ?? field.flatMap { file.line(ofField: $0) })
        }
        guard result.isTable else {
            throw fail(
                "decide() must return a table { action = …, rule = …, reason = … }, got a \(result.typeName) value")
        }
        // Read the six fields once (static keys: no C-string allocation);
        // the ones present must account for every key, else some are unknown.
        let values: [LuaValue] = [
            try result.field(staticKey: "action"), try result.field(staticKey: "rule"),
            try result.field(staticKey: "reason"), try result.field(staticKey: "template"),
            try result.field(staticKey: "product"), try result.field(staticKey: "state"),
            try result.field(staticKey: "wording"), try result.field(staticKey: "brief"),
        ]
        let present = values.reduce(0) { $1.isNil ? $0 : $0 + 1 }
        if result.keyCount() != present {
            for key in result.keys() where !Self.fields.contains(key) {
                let hint = Suggestions.closest(to: key, in: Self.fields).map { " (did you mean '\($0)'?)" } ?? ""
                throw fail("decide() returned unknown field '\(key)'\(hint)", field: key)
            }
        }
        func string(_ index: Int, required: Bool) throws(LuaError) -> String? {
            let key = Self.fields[index]
            switch values[index] {
            case .string(let s) where !s.isEmpty: return s
            case .nil where !required: return nil
            case .nil: throw fail("decide() returned no '\(key)'")
            case .string: throw fail("decide() returned an empty '\(key)'")
            case let other: throw fail("decide() returned '\(key)' as a \(other.typeName) (expected a string)")
            }
        }
        let actions = Self.actionList
        guard let rawAction = try string(0, required: false) else {
            throw fail("decide() returned no 'action' (expected one of \(actions))")
        }
        guard let action = Action(rawValue: rawAction) else {
            throw fail("decide() returned unknown action '\(rawAction)' (expected one of \(actions))", near: rawAction)
        }
        self.action = action
        rule = try string(1, required: true)!
        reason = try string(2, required: true)!
        template = try string(3, required: false)
        product = try string(4, required: false)
        state = try string(5, required: false)
        wording = try string(6, required: false)
        brief = try string(7, required: false)

        if let wording, wording != "ai" && wording != "template" {
            throw fail("decide() returned wording '\(wording)' (expected 'ai' or 'template')", near: wording)
        }
        if wording == "ai" {
            guard action == .respondText else {
                throw fail(
                    "decide() asked for AI wording with \(rawAction) (rule '\(rule)'): only RespondText is worded",
                    near: rule)
            }
            guard let brief else {
                throw fail("decide() asked for AI wording without a 'brief' (rule '\(rule)')", near: rule)
            }
            if brief.count > Self.maxBrief {
                throw fail(
                    "decide() returned a 'brief' of \(brief.count) characters (at most \(Self.maxBrief))", near: rule)
            }
        } else if brief != nil {
            throw fail("decide() returned a 'brief' without wording = \"ai\" (rule '\(rule)')", near: rule)
        }

        if action == .respondText && template == nil {
            throw fail("decide() returned RespondText without a 'template' (rule '\(rule)')", near: rule)
        }
        if let template, !contract.templates.contains(template) {
            let names = contract.templates.sorted()
            let answers = names.filter { $0.hasPrefix(FAQ.templatePrefix) }
            let defined =
                "templates.yaml defines \(names.filter { !$0.hasPrefix(FAQ.templatePrefix) }.joined(separator: ", "))"
                + (answers.isEmpty ? "" : "; faq.yaml answers \(answers.joined(separator: ", "))")
            throw fail("decide() returned unknown template '\(template)' (rule '\(rule)'; \(defined))", near: template)
        }
        if let state, !contract.states.contains(state) {
            throw fail(
                "decide() proposed unknown state '\(state)' (rule '\(rule)'; conversation.states are \(contract.states.sorted().joined(separator: ", ")))",
                near: state)
        }
        if let product, contract.media[product] == nil {
            throw fail("decide() returned unknown product '\(product)' (rule '\(rule)')", near: product)
        }
        if action == .respondImage || action == .respondVideo {
            guard let product, let media = contract.media[product] else {
                throw fail("decide() returned \(rawAction) without a 'product' (rule '\(rule)')", near: rule)
            }
            if action == .respondImage && !media.images {
                throw fail(
                    "decide() returned RespondImage for '\(product)', which has no images (rule '\(rule)')", near: rule)
            }
            if action == .respondVideo && !media.videos {
                throw fail(
                    "decide() returned RespondVideo for '\(product)', which has no videos (rule '\(rule)')", near: rule)
            }
        }
    }
}

/// "Did you mean" for names.
enum Suggestions {
    static func closest(to word: String, in candidates: [String]) -> String? {
        let limit = Swift.max(1, Swift.min(2, word.count / 3))
        var best: (name: String, distance: Int)?
        for candidate in candidates.sorted() {
            let d = distance(word, candidate)
            if d <= limit && d < (best?.distance ?? Int.max) { best = (candidate, d) }
        }
        return best?.name
    }

    /// Edit distance counting a swap of two neighbours as one edit ("nwe" → "new"),
    /// the commonest typo.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8)
        let b = Array(b.utf8)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var beforePrevious = Array(0...b.count)
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution: Int = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                let deletion: Int = previous[j] + 1
                let insertion: Int = current[j - 1] + 1
                current[j] = Swift.min(substitution, deletion, insertion)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = Swift.min(current[j], beforePrevious[j - 2] + 1)
                }
            }
            (beforePrevious, previous, current) = (previous, current, beforePrevious)
        }
        return previous[b.count]
    }
}
