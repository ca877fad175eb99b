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
    public let templates: Templates
    public let limits: LuaLimits
    let contract: PolicyDecision.Contract
    let pool: LuaStatePool<CompiledState>

    /// One Lua state with the functions resolved from it.
    final class CompiledState: @unchecked Sendable {
        let lua: LuaState
        let decide: LuaState.Function
        let check: LuaState.Function?
        init(lua: LuaState, decide: LuaState.Function, check: LuaState.Function?) {
            self.lua = lua
            self.decide = decide
            self.check = check
        }
    }

    public var poolSize: Int { pool.size }

    init(
        sources: RuleSources, intents: IntentRules, forbidden: ForbiddenRules, templates: Templates,
        limits: LuaLimits, contract: PolicyDecision.Contract, pool: LuaStatePool<CompiledState>
    ) {
        self.sources = sources
        self.version = sources.version
        self.intents = intents
        self.forbidden = forbidden
        self.templates = templates
        self.limits = limits
        self.contract = contract
        self.pool = pool
    }

    /// Compiles `sources` into `poolSize` states (0 = one per core) and checks
    /// everything the files declare. All problems are reported together.
    public static func compile(
        _ sources: RuleSources, catalog: Catalog, configuration: SellifyConfiguration, poolSize: Int? = nil
    ) throws(DiagnosticList) -> RuleSet {
        let rules = configuration.rules
        let limits = LuaLimits(
            instructionBudget: rules.instructionBudget, memoryLimitBytes: rules.memoryLimit.bytes,
            patternStepBudget: rules.patternStepBudget)
        let catalogValue = catalog.luaValue
        var diagnostics: [Diagnostic] = []

        let templates: Templates
        do {
            templates = try Templates.load(sources.templates)
        } catch {
            diagnostics += error.diagnostics
            templates = Templates(texts: [:])
        }

        func makeState() throws(LuaError) -> CompiledState {
            let lua = try LuaState(limits: limits)
            for library in sources.libraries {
                try lua.addLibrary(name: RuleSources.moduleName(library), source: library.source, chunkName: library.displayPath)
            }
            try lua.setCatalog(catalogValue)
            for (id, file) in [("decision", sources.decision), ("intents", sources.intents), ("forbidden", sources.forbiddenWords)] {
                try lua.loadFile(id: id, source: file.source, chunkName: file.displayPath)
            }
            guard let decide = try lua.function(file: "decision", name: "decide") else {
                throw LuaError(kind: .contract, message: "the file does not define decide(ctx)", file: sources.decision.displayPath)
            }
            let check = try lua.function(file: "forbidden", name: "check")
            return CompiledState(lua: lua, decide: decide, check: check)
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
        return RuleSet(
            sources: sources, intents: intents, forbidden: forbidden, templates: templates, limits: limits,
            contract: contract, pool: pool)
    }

    /// Calls `decide(ctx)` on a free state and checks the result.
    public func decide(_ context: LuaValue) throws(LuaError) -> (PolicyDecision, LuaState.SideEffects) {
        do {
            return try pool.withState { state in
                let decision = try state.lua.call(state.decide, [context]) { result in
                    try PolicyDecision(result, contract: contract, file: sources.decision)
                }
                return (decision, state.lua.drainSideEffects())
            }
        } catch let error as LuaError {
            throw error
        } catch {
            throw LuaError(kind: .runtime, message: "\(error)")
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
        .table(LuaTable(fields: products.map { product in
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
            "facts": .array(facts.map(LuaValue.string)),
        ])
    }
}
