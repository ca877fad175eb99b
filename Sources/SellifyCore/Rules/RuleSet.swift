import Foundation
public import SellifyLua
public import SellifyYAML

/// A rules folder compiled into a pool of sandboxed Lua states, with the data
/// its files declare. Immutable: a reload compiles a new `RuleSet` and swaps.
public final class RuleSet: Sendable {
    public let sources: RuleSources
    /// `sha256:…` of the files; every decision records the version it used.
    public let version: String
    public let intents: IntentRules
    public let forbidden: ForbiddenRules
    /// `templates.yaml`, and the answers of `faq.yaml` as templates `faq.<id>`.
    public let templates: Templates
    /// `faq.yaml` (empty without one).
    public let faq: FAQ
    /// The system prompt of AI-worded answers (`ai_prompt.md`), nil without one.
    public var aiPrompt: String? {
        sources.aiPrompt.map(\.source).flatMap { $0.trimmingWhitespace.isEmpty ? nil : $0 }
    }
    public let limits: LuaLimits
    let contract: PolicyDecision.Contract
    let pool: LuaStatePool<CompiledState>

    /// One Lua state with the functions resolved from it.
    final class CompiledState: @unchecked Sendable {
        let lua: LuaState
        let decide: LuaState.Function
        let check: LuaState.Function?
        /// `string.find(s, p)` in the sandbox (budgeted) for forbidden patterns.
        let find: LuaState.Function
        init(lua: LuaState, decide: LuaState.Function, check: LuaState.Function?, find: LuaState.Function) {
            self.lua = lua
            self.decide = decide
            self.check = check
            self.find = find
        }
    }

    public var poolSize: Int { pool.size }

    init(
        sources: RuleSources, intents: IntentRules, forbidden: ForbiddenRules, templates: Templates, faq: FAQ,
        limits: LuaLimits, contract: PolicyDecision.Contract, pool: LuaStatePool<CompiledState>
    ) {
        self.sources = sources
        self.version = sources.version
        self.intents = intents
        self.forbidden = forbidden
        self.templates = templates
        self.faq = faq
        self.limits = limits
        self.contract = contract
        self.pool = pool
    }

    /// Compiles `sources` into `poolSize` states (0 = one per core) and checks
    /// everything the files declare. All problems are reported together.
    public static func compile(
        _ sources: RuleSources, catalog: Catalog, configuration: SellifyConfiguration, poolSize: Int? = nil,
        catalogDisplay: String = "catalog.yaml"
    ) throws(DiagnosticList) -> RuleSet {
        let rules = configuration.rules
        let limits = LuaLimits(
            instructionBudget: rules.instructionBudget, memoryLimitBytes: rules.memoryLimit.bytes,
            patternStepBudget: rules.patternStepBudget, deadlineMilliseconds: Int(rules.callDeadline.milliseconds))
        let catalogValue = catalog.luaValue
        var diagnostics: [Diagnostic] = []

        var templates: Templates
        do {
            templates = try Templates.load(sources.templates)
        } catch {
            diagnostics += error.diagnostics
            templates = Templates(texts: [:])
        }

        func makeState() throws(LuaError) -> CompiledState {
            let lua = try LuaState(limits: limits)
            for library in sources.libraries {
                try lua.addLibrary(
                    name: RuleSources.moduleName(library), source: library.source, chunkName: library.displayPath)
            }
            // The catalog is copied in before any rule runs (outside the cap, which
            // applies to calls): if it alone fills the state, say so, naming the file.
            let catalogTooBig = LuaError(
                kind: .memoryLimit,
                message:
                    "the catalog does not fit in a Lua state: rules.memory_limit is \(rules.memoryLimit) per state; raise it or shrink the catalog",
                file: catalogDisplay)
            do {
                try lua.setCatalog(catalogValue)
            } catch {
                guard error.kind == .memoryLimit else { throw error }
                throw catalogTooBig
            }
            if limits.memoryLimitBytes > 0 && lua.memoryUsed >= limits.memoryLimitBytes { throw catalogTooBig }
            for (id, file) in [
                ("decision", sources.decision), ("intents", sources.intents), ("forbidden", sources.forbiddenWords),
            ] {
                try lua.loadFile(id: id, source: file.source, chunkName: file.displayPath)
            }
            guard let decide = try lua.function(file: "decision", name: "decide") else {
                throw LuaError(
                    kind: .contract, message: "the file does not define decide(ctx)", file: sources.decision.displayPath
                )
            }
            let check = try lua.function(file: "forbidden", name: "check")
            let find = try lua.hostFunction("find_all")
            return CompiledState(lua: lua, decide: decide, check: check, find: find)
        }

        // The first state also yields the declared data.
        let first: CompiledState
        do {
            first = try makeState()
        } catch {
            diagnostics.append(Diagnostic(error))
            throw DiagnosticList(diagnostics)
        }

        var intentReader = RuleDataReader(file: sources.intents)
        var forbiddenReader = RuleDataReader(file: sources.forbiddenWords)
        var intents = IntentRules(intents: [], media: [:], defaultLanguage: "en", languages: [])
        var forbidden = ForbiddenRules(entries: [], hasCustomCheck: false)
        do {
            intents = intentReader.intents(
                try first.lua.global(file: "intents", name: "intents"),
                media: try first.lua.global(file: "intents", name: "media"),
                languages: try first.lua.global(file: "intents", name: "languages"))
            forbidden = forbiddenReader.forbidden(
                try first.lua.global(file: "forbidden", name: "forbidden"), hasCheck: first.check != nil)
        } catch {
            diagnostics.append(Diagnostic(error))
        }
        diagnostics += intentReader.diagnostics + forbiddenReader.diagnostics
        // The FAQ needs the languages intents.lua declares.
        var faq = FAQ.empty
        if let file = sources.faq {
            do {
                faq = try FAQ.load(file, languages: intents.languages.map(\.code) + [intents.defaultLanguage])
            } catch {
                diagnostics += error.diagnostics
            }
        }
        templates.texts.merge(faq.templates) { template, _ in template }
        guard diagnostics.isEmpty else { throw DiagnosticList(diagnostics) }

        let size = poolSize ?? (rules.poolSize > 0 ? rules.poolSize : ProcessInfo.processInfo.activeProcessorCount)
        let pool: LuaStatePool<CompiledState>
        do {
            pool = try LuaStatePool(size: max(1, size)) { index in index == 0 ? first : try makeState() }
        } catch let error as LuaError {
            throw DiagnosticList([Diagnostic(error)])
        } catch {
            throw DiagnosticList([Diagnostic("\(error)")])
        }

        var media: [String: (images: Bool, videos: Bool)] = [:]
        for product in catalog.products { media[product.id] = (!product.images.isEmpty, !product.videos.isEmpty) }
        let contract = PolicyDecision.Contract(
            templates: Set(templates.texts.keys), states: Set(configuration.conversation.states), media: media)
        let ruleSet = RuleSet(
            sources: sources, intents: intents, forbidden: forbidden, templates: templates, faq: faq, limits: limits,
            contract: contract, pool: pool)
        let invalid = ruleSet.faqAnswerDiagnostics(catalog: catalog, configuration: configuration)
        guard invalid.isEmpty else { throw DiagnosticList(invalid) }
        return ruleSet
    }

    /// Runs `body` on a free state; any error arrives as a `LuaError`.
    private func withState<T>(_ body: (CompiledState) throws -> T) throws(LuaError) -> T {
        do {
            return try pool.withState(body)
        } catch let error as LuaError {
            throw error
        } catch {
            throw LuaError(kind: .runtime, message: "\(error)")
        }
    }

    /// Calls `decide(ctx)` on a free state and checks the result.
    public func decide(_ context: LuaValue) throws(LuaError) -> (PolicyDecision, LuaState.SideEffects) {
        return try withState { state in
            let decision = try state.lua.call(state.decide, [context]) { result in
                try PolicyDecision(result, contract: contract, file: sources.decision)
            }
            return (decision, state.lua.drainSideEffects())
        }
    }
}

extension RuleSet {
    /// Line coverage of `decide` in decision.lua, across every state of the pool.
    public struct Coverage: Sendable {
        /// Lines of `decide` that hold code.
        public var lines: [Int]
        /// Those that ran.
        public var covered: Set<Int>
        public var missed: [Int] { lines.filter { !covered.contains($0) } }
        public init(lines: [Int], covered: Set<Int>) {
            self.lines = lines
            self.covered = covered
        }
        /// The share of `lines` that ran, 0…1 (1 when there are none).
        public var ratio: Double { lines.isEmpty ? 1 : Double(lines.count - missed.count) / Double(lines.count) }
    }

    /// Starts recording which lines of decision.lua run (`sellify test --coverage`).
    public func enableCoverage() {
        let lineCount = sources.decision.source.split(separator: "\n", omittingEmptySubsequences: false).count + 1
        pool.forEachState { state in state.lua.enableCoverage(chunkName: sources.decision.displayPath, lines: lineCount)
        }
    }

    /// Stops recording (a reload that measured its candidate's tests serves with it afterwards).
    public func disableCoverage() {
        pool.forEachState { state in state.lua.disableCoverage() }
    }

    public func coverage() -> Coverage {
        let source = sources.decision.source.split(separator: "\n", omittingEmptySubsequences: false)
        let lineCount = source.count + 1
        var lines: [Int] = []
        var covered: Set<Int> = []
        pool.forEachState { state in
            if lines.isEmpty { lines = state.lua.activeLines(of: state.decide) }
            covered.formUnion(state.lua.coveredLines(upTo: lineCount))
        }
        // The `end` that closes decide holds Lua's implicit return, which a
        // policy whose every branch returns never reaches: it is no rule, and
        // counting it would make full coverage impossible.
        if let last = lines.last, last <= source.count, source[last - 1].trimmingCharacters(in: .whitespaces) == "end" {
            lines.removeLast()
        }
        return Coverage(lines: lines, covered: covered.intersection(lines))
    }
}

extension RuleSet {
    /// A violation reported by the rules' own `check(text, ctx)`.
    public struct CustomViolation: Sendable, Equatable {
        public var code: String
        public var message: String
        /// 1-based byte offsets into the text, inclusive (as Lua reports them).
        public var start: Int?
        public var finish: Int?
    }

    /// Every match of each Lua pattern in `text` (at most 100 each), as
    /// 1-based inclusive byte ranges, using the sandbox's step-budgeted
    /// `string.find`; one list per pattern, in order.
    public func matches(ofPatterns patterns: [String], in text: String) throws(LuaError) -> [[ClosedRange<Int>]] {
        guard !patterns.isEmpty else { return [] }
        return try withState { state in
            let result = try state.lua.call(state.find, [.string(text), .array(patterns.map(LuaValue.string))]) {
                try $0.value()
            }
            let lists = result.tableValue?.array ?? []
            return patterns.indices.map { index in
                guard index < lists.count, let flat = lists[index].tableValue?.array else { return [] }
                return stride(from: 0, to: flat.count - 1, by: 2).compactMap { k in
                    guard let i = flat[k].intValue, let j = flat[k + 1].intValue else { return nil }
                    return i...j
                }
            }
        }
    }

    /// Every match of one Lua pattern in `text`.
    public func matches(ofPattern pattern: String, in text: String) throws(LuaError) -> [ClosedRange<Int>] {
        try matches(ofPatterns: [pattern], in: text).first ?? []
    }

    /// Runs the optional `check(text, ctx)` of `forbidden_words.lua`; [] when it is not defined.
    public func customCheck(text: String, context: LuaValue) throws(LuaError) -> [CustomViolation] {
        guard forbidden.hasCustomCheck else { return [] }
        let file = sources.forbiddenWords
        return try withState { state in
            guard let check = state.check else { return [] }
            let result = try state.lua.call(check, [.string(text), context]) { try $0.value() }
            switch result {
            case .nil: return []
            case .table(let table) where table.fields.isEmpty:
                return try table.array.enumerated().map { index, item in
                    guard case .table(let fields) = item, let code = fields["code"].stringValue,
                        let message = fields["message"].stringValue
                    else {
                        throw LuaError(
                            kind: .contract,
                            message: "check() returned item \(index + 1) without a string 'code' and 'message'",
                            file: file.displayPath)
                    }
                    return CustomViolation(
                        code: code, message: message, start: fields["start"].intValue, finish: fields["finish"].intValue
                    )
                }
            default:
                throw LuaError(
                    kind: .contract,
                    message: "check() must return nil or a list of { code = …, message = … }, got a \(result.typeName)",
                    file: file.displayPath)
            }
        }
    }
}

extension Diagnostic {
    /// A Lua error as a compiler-style diagnostic (`rules/decision.lua:42: error: …`).
    public init(_ error: LuaError) {
        self.init(error.message, at: error.file.map { SourceLocation(file: $0, line: error.line ?? 0) })
    }
}

extension Catalog {
    /// Products by id, as `sellify.catalog.find` returns them.
    var luaValue: LuaValue {
        .table(
            LuaTable(
                fields: products.map { product in
                    LuaTable.Field(key: product.id, value: product.luaValue)
                }))
    }
}

extension Product {
    var luaValue: LuaValue {
        .fields([
            "id": .string(id), "name": .string(name), "aliases": .array(aliases.map(LuaValue.string)),
            "price": .number(price.doubleValue), "currency": .string(currency.code), "in_stock": .bool(inStock),
            "images": .array(images.map(LuaValue.string)), "videos": .array(videos.map(LuaValue.string)),
            "facts": .array(facts.map(LuaValue.string)), "variant_of": variantOf.map(LuaValue.string) ?? .nil,
            "variants": .array(variants.map(LuaValue.string)),
        ])
    }
}
