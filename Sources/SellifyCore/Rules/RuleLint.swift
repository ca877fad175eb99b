public import SellifyYAML

/// The built-in static checks of `sellify check`: every string literal the
/// rules use as a conversation state, template, intent, action, message type,
/// media request, language or FAQ entry is checked against what the deployment defines,
/// so `advance(state, "browsng")` in a branch no test takes fails the check
/// instead of going live:
///
///     rules/decision.lua:297:87: error: unknown state 'browsng' (did you mean 'browsing'? conversation.states: new, …)
///
/// The files are tokenized and parsed as Lua (`LuaParser`), never scanned
/// as text, so comments and code inside strings are not analyzed. Where a
/// literal is a state is found by following values through the code: a
/// literal compared with `ctx.conversation.state` (or a variable holding it),
/// given as the `state`, `template` or `action` field of a table, passed to a
/// helper whose parameter ends up in such a place (`advance(state, target)`
/// indexes `FUNNEL`, whose keys are states), returned where the caller needs a
/// state, or used as a key of such a table. Helpers are followed across files
/// (`local text = require "text"`). A literal the analysis cannot place is not
/// checked: the check never guesses.
public struct RuleLint: Sendable {
    /// What a string literal names.
    public enum Kind: String, Sendable, CaseIterable, Hashable {
        case state, template, intent, action
        case messageType = "message type"
        case mediaRequest = "media request"
        case language
        case faq = "FAQ entry"
    }

    /// The values each kind may take in this deployment, in the order messages list them.
    public struct Vocabulary: Sendable {
        public var values: [Kind: [String]]
        /// How the hint introduces the known values, e.g. `conversation.states`.
        public var sources: [Kind: String]

        public init(values: [Kind: [String]], sources: [Kind: String] = [:]) {
            self.values = values
            self.sources = sources
        }

        public init(rules: RuleSet, configuration: SellifyConfiguration) {
            self.init(
                values: [
                    .state: configuration.conversation.states,
                    .template: rules.templates.names,
                    .intent: IntentName.allCases.map(\.rawValue),
                    .action: Action.allCases.map(\.rawValue),
                    .messageType: MessageType.allCases.map(\.rawValue),
                    .mediaRequest: MediaKind.allCases.map(\.rawValue),
                    .language: rules.intents.languages.map { $0.code },
                    .faq: rules.faq.ids,
                ],
                sources: [
                    .state: "conversation.states",
                    .template: rules.sources.templates.displayPath
                        + (rules.faq.entries.isEmpty
                            ? "" : " and \(rules.sources.faq?.displayPath ?? RuleSources.faqFile)"),
                    .intent: "intents",
                    .action: "actions",
                    .messageType: "message types",
                    .mediaRequest: "media requests",
                    .language: "languages in \(rules.sources.intents.displayPath)",
                    .faq: "ids in \(rules.sources.faq?.displayPath ?? RuleSources.faqFile)",
                ])
        }
    }

    public var vocabulary: Vocabulary

    public init(vocabulary: Vocabulary) {
        self.vocabulary = vocabulary
    }

    /// The ctx fields whose values have a kind.
    static let contextKinds: [[String]: Kind] = [
        ["conversation", "state"]: .state, ["intent"]: .intent, ["media_request"]: .mediaRequest,
        ["event", "type"]: .messageType, ["language"]: .language, ["faq"]: .faq,
    ]
    /// Fields of a decision table (decision.lua, rules/lib).
    static let decisionFields: [String: Kind] = ["action": .action, "template": .template, "state": .state]

    public struct Result: Sendable {
        /// Errors for unknown literals; a warning for a file that could not be analyzed.
        public var diagnostics: [Diagnostic]
        /// The files analyzed and the literals whose kind was found (and so checked).
        public var files: Int
        public var literals: Int
    }

    /// Checks every rule file but `intents.lua`, which declares data rather
    /// than using these names.
    public func check(_ sources: RuleSources) -> Result {
        var files: [LintedFile] = []
        var diagnostics: [Diagnostic] = []
        var inputs: [(RuleSources.File, LintedFile.Role)] = sources.libraries.map {
            ($0, .library(RuleSources.moduleName($0)))
        }
        inputs.append((sources.decision, .decision))
        inputs.append((sources.forbiddenWords, .forbiddenWords))
        for (file, role) in inputs {
            do {
                files.append(LintedFile(file: file, role: role, block: try LuaParser.parse(file.source)))
            } catch {
                diagnostics.append(
                    Diagnostic(
                        "static checks skipped for this file: \(error.message)",
                        at: SourceLocation(
                            file: file.displayPath, line: error.position.line, column: error.position.column),
                        severity: .warning))
            }
        }
        let analysis = LiteralAnalysis(files: files, vocabulary: vocabulary)
        analysis.run()
        let found = analysis.diagnostics.sorted { ($0.key.file, $0.key.position) < ($1.key.file, $1.key.position) }
        return Result(
            diagnostics: diagnostics + found.map(\.value), files: files.count, literals: analysis.checked.count)
    }

    /// Every name a file declares (locals, parameters, globals it sets,
    /// fields of its tables): candidates for "did you mean" on an undefined one.
    static func declaredNames(in source: String) -> Set<String> {
        guard let block = try? LuaParser.parse(source) else { return [] }
        var names = Set<String>()
        func add(_ expression: LuaExpression) {
            switch expression {
            case .name(let n): names.insert(n.name)
            case .index(let t, .string(let s, _), _):
                names.insert(s)
                add(t)
            case .function(let f): visit(f)
            case .table(let fields, _):
                for field in fields {
                    switch field {
                    case .positional(let v): add(v)
                    case .named(let n, let v):
                        names.insert(n.name)
                        add(v)
                    case .keyed(let k, let v):
                        add(k)
                        add(v)
                    }
                }
            case .call(let f, let arguments, _):
                add(f)
                arguments.forEach(add)
            case .methodCall(let o, _, let arguments, _):
                add(o)
                arguments.forEach(add)
            case .binary(_, let a, let b, _):
                add(a)
                add(b)
            case .unary(_, let x, _), .parenthesized(let x): add(x)
            case .index(let t, let k, _):
                add(t)
                add(k)
            case .constant, .string: break
            }
        }
        func visit(_ function: LuaFunction) {
            for p in function.parameters { names.insert(p.name) }
            statements(function.body)
        }
        func statements(_ block: [LuaStatement]) {
            for statement in block {
                switch statement {
                case .local(let locals, let values):
                    for n in locals { names.insert(n.name) }
                    values.forEach(add)
                case .localFunction(let n, let f):
                    names.insert(n.name)
                    visit(f)
                case .function(let target, let f):
                    add(target)
                    visit(f)
                case .assignment(let targets, let values):
                    targets.forEach(add)
                    values.forEach(add)
                case .call(let e): add(e)
                case .block(let b): statements(b)
                case .whileLoop(let c, let b):
                    add(c)
                    statements(b)
                case .repeatLoop(let b, let c):
                    statements(b)
                    add(c)
                case .ifChain(let branches, let otherwise):
                    for (c, b) in branches {
                        add(c)
                        statements(b)
                    }
                    statements(otherwise ?? [])
                case .numericFor(let n, let a, let b, let c, let body):
                    names.insert(n.name)
                    [a, b].forEach(add)
                    if let c { add(c) }
                    statements(body)
                case .genericFor(let locals, let values, let body):
                    for n in locals { names.insert(n.name) }
                    values.forEach(add)
                    statements(body)
                case .returnValues(let values): values.forEach(add)
                case .other: break
                }
            }
        }
        statements(block)
        return names
    }
}

struct LintedFile {
    enum Role: Equatable {
        case decision, forbiddenWords
        /// A `rules/lib` module, by the name `require` uses.
        case library(String)
    }
    var file: RuleSources.File
    var role: Role
    var block: [LuaStatement]

    /// Which parameter of which top-level function is `ctx`.
    var entryPoint: (name: String, contextParameter: Int)? {
        switch role {
        case .decision: ("decide", 0)
        case .forbiddenWords: ("check", 1)
        case .library: nil
        }
    }
    /// Decision tables are built here (`{ action = …, template = …, state = … }`).
    var buildsDecisions: Bool { role != .forbiddenWords }
}

/// The value-following analysis behind `RuleLint`: an abstract
/// interpretation over every file at once, run to a fixpoint (each fact only
/// ever gains information), then once more to report.
final class LiteralAnalysis {
    /// What is known about a value.
    enum Fact: Hashable {
        /// `ctx` (empty path) or one of its fields, e.g. `["conversation", "state"]`.
        case context([String])
        case table(TableKey)
        case function(ObjectIdentifier)
    }

    struct VariableKey: Hashable {
        var file: Int
        var name: String
        /// Where the local was declared; nil for a global of the file.
        var declaredAt: LuaPosition?
    }

    struct TableKey: Hashable {
        var file: Int
        var position: LuaPosition
    }

    struct Place: Hashable {
        var file: Int
        var position: LuaPosition
    }

    /// A value learned from several places: one, or several that disagree (then unusable).
    enum Join<T: Hashable>: Hashable {
        case one(T)
        case conflict
        var value: T? {
            if case .one(let v) = self { return v }
            return nil
        }
    }

    let files: [LintedFile]
    let vocabulary: RuleLint.Vocabulary
    private(set) var diagnostics: [Place: Diagnostic] = [:]
    /// Every literal whose kind was found.
    private(set) var checked: Set<Place> = []

    private var variableFacts: [VariableKey: Join<Fact>] = [:]
    private var variableKinds: [VariableKey: Join<RuleLint.Kind>] = [:]
    private var returnFacts: [ObjectIdentifier: Join<Fact>] = [:]
    private var returnKinds: [ObjectIdentifier: Join<RuleLint.Kind>] = [:]
    private var parameters: [ObjectIdentifier: [VariableKey]] = [:]
    private var fields: [TableKey: [String: Join<Fact>]] = [:]
    private var keyKinds: [TableKey: RuleLint.Kind] = [:]
    private var modules: [String: Join<Fact>] = [:]
    private var changed = false
    private var reporting = false

    // The walk's position.
    private var file = 0
    private var scopes: [[String: VariableKey]] = []
    private var function: ObjectIdentifier?
    private var entryContext: [ObjectIdentifier: Int] = [:]

    init(files: [LintedFile], vocabulary: RuleLint.Vocabulary) {
        self.files = files
        self.vocabulary = vocabulary
        for linted in files {
            guard let entry = linted.entryPoint else { continue }
            for statement in linted.block {
                switch statement {
                case .function(.name(let n), let f) where n.name == entry.name:
                    entryContext[ObjectIdentifier(f)] = entry.contextParameter
                case .assignment(let targets, let values):
                    for (target, value) in zip(targets, values) {
                        if case .name(let n) = target, n.name == entry.name, case .function(let f) = value {
                            entryContext[ObjectIdentifier(f)] = entry.contextParameter
                        }
                    }
                default: break
                }
            }
        }
    }

    func run() {
        // Each pass can only add facts; real rules settle in a few passes.
        for _ in 0..<50 {
            changed = false
            pass()
            if !changed { break }
        }
        reporting = true
        pass()
    }

    private func pass() {
        for index in files.indices {
            file = index
            scopes = [[:]]
            function = nil
            statements(files[index].block)
        }
    }

    // MARK: Joining

    private func join<K: Hashable, T: Hashable>(_ table: inout [K: Join<T>], _ key: K, _ value: T?) {
        guard let value else { return }
        switch table[key] {
        case nil:
            table[key] = .one(value)
            changed = true
        case .one(let existing) where existing != value:
            table[key] = .conflict
            changed = true
        default:
            break
        }
    }

    private func joinField(_ table: TableKey, _ name: String, _ value: Fact?) {
        guard let value else { return }
        var known = fields[table] ?? [:]
        join(&known, name, value)
        fields[table] = known
    }

    // MARK: Scopes

    private func declare(_ name: LuaName) -> VariableKey {
        let key = VariableKey(file: file, name: name.name, declaredAt: name.position)
        scopes[scopes.count - 1][name.name] = key
        return key
    }

    private func resolve(_ name: String) -> VariableKey {
        for scope in scopes.reversed() {
            if let key = scope[name] { return key }
        }
        return VariableKey(file: file, name: name, declaredAt: nil)
    }

    private func scoped(_ body: () -> Void) {
        scopes.append([:])
        body()
        scopes.removeLast()
    }

    // MARK: Statements

    private func statements(_ block: [LuaStatement]) {
        for statement in block { visit(statement) }
    }

    private func visit(_ statement: LuaStatement) {
        switch statement {
        case .local(let names, let values):
            values.forEach(walk)
            // Facts and expectations of the values resolve names before the new locals exist.
            let facts = values.map(fact)
            let keys = names.map { VariableKey(file: file, name: $0.name, declaredAt: $0.position) }
            for (i, key) in keys.enumerated() where i < values.count {
                join(&variableFacts, key, facts[i])
                if let kind = variableKinds[key]?.value { expect(values[i], kind) }
            }
            for name in names { _ = declare(name) }
        case .localFunction(let name, let f):
            let key = declare(name)
            join(&variableFacts, key, .function(ObjectIdentifier(f)))
            visit(f)
        case .function(let target, let f):
            assign(target, fact: .function(ObjectIdentifier(f)), value: nil)
            visit(f)
        case .assignment(let targets, let values):
            values.forEach(walk)
            for (i, target) in targets.enumerated() {
                let value = i < values.count ? values[i] : nil
                assign(target, fact: value.flatMap(fact), value: value)
            }
        case .call(let e):
            walk(e)
        case .block(let b):
            scoped { statements(b) }
        case .whileLoop(let c, let b):
            walk(c)
            scoped { statements(b) }
        case .repeatLoop(let b, let c):
            scoped {
                statements(b)
                walk(c)
            }
        case .ifChain(let branches, let otherwise):
            for (c, b) in branches {
                walk(c)
                scoped { statements(b) }
            }
            if let otherwise { scoped { statements(otherwise) } }
        case .numericFor(let n, let a, let b, let c, let body):
            walk(a)
            walk(b)
            if let c { walk(c) }
            scoped {
                _ = declare(n)
                statements(body)
            }
        case .genericFor(let names, let values, let body):
            values.forEach(walk)
            scoped {
                for n in names { _ = declare(n) }
                statements(body)
            }
        case .returnValues(let values):
            values.forEach(walk)
            guard let first = values.first else { return }
            if let function {
                join(&returnFacts, function, fact(first))
                if let kind = returnKinds[function]?.value { expect(first, kind) }
            } else if case .library(let module) = files[file].role {
                join(&modules, module, fact(first))
            }
        case .other:
            break
        }
    }

    /// `target = value` (or `function target() … end`, with no value expression).
    private func assign(_ target: LuaExpression, fact value: Fact?, value expression: LuaExpression?) {
        switch target {
        case .name(let n):
            let key = resolve(n.name)
            join(&variableFacts, key, value)
            if let expression, let kind = variableKinds[key]?.value { expect(expression, kind) }
        case .index(let t, let k, _):
            walk(t)
            walk(k)
            guard case .table(let table)? = fact(t) else { return }
            if case .string(let name, _) = k { joinField(table, name, value) }
            if let kind = keyKinds[table] { expect(k, kind) }
        default:
            walk(target)
        }
    }

    private func visit(_ f: LuaFunction) {
        let id = ObjectIdentifier(f)
        let saved = function
        function = id
        scoped {
            let keys = f.parameters.map(declare)
            parameters[id] = keys
            if let index = entryContext[id], index < keys.count { join(&variableFacts, keys[index], .context([])) }
            statements(f.body)
        }
        function = saved
    }

    // MARK: Expressions

    /// Visits `e` for what it implies: comparisons, decision fields, table keys, calls.
    private func walk(_ e: LuaExpression) {
        switch e {
        case .constant, .string, .name:
            break
        case .index(let t, let k, _):
            walk(t)
            walk(k)
            if case .table(let table)? = fact(t), let kind = keyKinds[table] { expect(k, kind) }
        case .call(let f, let arguments, _):
            walk(f)
            arguments.forEach(walk)
            guard case .function(let id)? = fact(f), let keys = parameters[id] else { return }
            for (key, argument) in zip(keys, arguments) {
                join(&variableFacts, key, fact(argument))
                if let kind = variableKinds[key]?.value { expect(argument, kind) }
            }
        case .methodCall(let o, _, let arguments, _):
            walk(o)
            arguments.forEach(walk)
        case .function(let f):
            visit(f)
        case .table(let entries, let position):
            table(entries, key: TableKey(file: file, position: position))
        case .binary(let op, let a, let b, _):
            walk(a)
            walk(b)
            if op == "==" || op == "~=" || op == "or" {
                if let kind = kind(of: a) { expect(b, kind) }
                if let kind = kind(of: b) { expect(a, kind) }
            }
        case .unary(_, let x, _), .parenthesized(let x):
            walk(x)
        }
    }

    private func table(_ entries: [LuaTableField], key: TableKey) {
        var keys: [(String, LuaPosition)] = []
        var items: [(String, LuaPosition)] = []
        var positional = 0
        for entry in entries {
            switch entry {
            case .positional(let v):
                walk(v)
                positional += 1
                if case .string(let s, let p) = v { items.append((s, p)) }
            case .named(let n, let v):
                walk(v)
                keys.append((n.name, n.position))
                joinField(key, n.name, fact(v))
                if files[file].buildsDecisions, let kind = RuleLint.decisionFields[n.name] { expect(v, kind) }
            case .keyed(let k, let v):
                walk(k)
                walk(v)
                if case .string(let s, let p) = k {
                    keys.append((s, p))
                    joinField(key, s, fact(v))
                }
            }
        }
        // A table whose keys are (nearly all) states is keyed by state:
        // `FUNNEL[target]` then makes `target` a state, and a key that is
        // none is a typo. Likewise a list of (nearly all) intents.
        if let kind = dominantKind(keys.map(\.0)) {
            if keyKinds[key] != kind {
                keyKinds[key] = kind
                changed = true
            }
            for (name, position) in keys { check(name, at: position, as: kind) }
        }
        if items.count == positional, let kind = dominantKind(items.map(\.0)) {
            for (name, position) in items { check(name, at: position, as: kind) }
        }
    }

    /// The one kind at least three of `names` and three quarters of them have.
    private func dominantKind(_ names: [String]) -> RuleLint.Kind? {
        guard names.count >= 3 else { return nil }
        var best: (kind: RuleLint.Kind, count: Int)?
        var tie = false
        for kind in RuleLint.Kind.allCases {
            guard let known = vocabulary.values[kind], !known.isEmpty else { continue }
            let set = Set(known)
            let count = names.filter(set.contains).count
            if count > (best?.count ?? 0) {
                best = (kind, count)
                tie = false
            } else if count > 0 && count == best?.count {
                tie = true
            }
        }
        guard let best, !tie, best.count >= 3, best.count * 4 >= names.count * 3 else { return nil }
        return best.kind
    }

    /// What is known about the value of `e` (no side effects).
    private func fact(_ e: LuaExpression) -> Fact? {
        switch e {
        case .name(let n):
            return variableFacts[resolve(n.name)]?.value
        case .index(let t, let k, _):
            switch fact(t) {
            case .context(let path)?:
                if case .string(let s, _) = k { return .context(path + [s]) }
                return .context(path + ["[]"])
            case .table(let table)?:
                if case .string(let s, _) = k { return fields[table]?[s]?.value }
                return nil
            default:
                return nil
            }
        case .call(let f, let arguments, _):
            if case .name(let n) = f, n.name == "require", resolve("require").declaredAt == nil,
                case .string(let module, _)? = arguments.first
            {
                return modules[module]?.value
            }
            if case .function(let id)? = fact(f) { return returnFacts[id]?.value }
            return nil
        case .function(let f):
            return .function(ObjectIdentifier(f))
        case .table(_, let position):
            return .table(TableKey(file: file, position: position))
        case .binary("or", let a, let b, _):
            // `ctx.event or NONE`: the default stands in for a missing ctx field.
            let left = fact(a)
            let right = fact(b)
            if case .context? = left { return left }
            if case .context? = right { return right }
            if left == nil || right == nil || left == right { return left ?? right }
            return nil
        case .binary("and", _, let b, _):
            return fact(b)
        case .parenthesized(let x):
            return fact(x)
        default:
            return nil
        }
    }

    /// The kind of string `e` holds, when known (no side effects).
    private func kind(of e: LuaExpression) -> RuleLint.Kind? {
        if case .context(let path)? = fact(e), let kind = RuleLint.contextKinds[path] { return kind }
        switch e {
        case .name(let n):
            return variableKinds[resolve(n.name)]?.value
        case .parenthesized(let x):
            return kind(of: x)
        case .binary("or", let a, let b, _):
            return kind(of: a) ?? kind(of: b)
        case .binary("and", _, let b, _):
            return kind(of: b)
        case .call(let f, _, _):
            if case .function(let id)? = fact(f) { return returnKinds[id]?.value }
            return nil
        default:
            return nil
        }
    }

    /// `e` must hold a `kind`: a literal is checked, a variable, parameter or
    /// call result learns it (and passes it on to its own literals).
    private func expect(_ e: LuaExpression, _ kind: RuleLint.Kind) {
        switch e {
        case .string(let s, let position):
            check(s, at: position, as: kind)
        case .name(let n):
            join(&variableKinds, resolve(n.name), kind)
        case .parenthesized(let x):
            expect(x, kind)
        case .binary("or", let a, let b, _):
            expect(a, kind)
            expect(b, kind)
        case .binary("and", _, let b, _):
            expect(b, kind)
        case .call(let f, _, _):
            if case .function(let id)? = fact(f) { join(&returnKinds, id, kind) }
        default:
            break
        }
    }

    private func check(_ value: String, at position: LuaPosition, as kind: RuleLint.Kind) {
        guard reporting, let known = vocabulary.values[kind], !known.isEmpty else { return }
        let place = Place(file: file, position: position)
        checked.insert(place)
        guard !known.contains(value), diagnostics[place] == nil else { return }
        var hint = ""
        if let match = Suggestions.closest(to: value, in: known) { hint = "did you mean '\(match)'? " }
        hint += "\(vocabulary.sources[kind] ?? "\(kind.rawValue)s"): \(known.joined(separator: ", "))"
        let file = files[file].file
        diagnostics[place] = Diagnostic(
            "unknown \(kind.rawValue) '\(value)'",
            at: SourceLocation(file: file.displayPath, line: position.line, column: position.column), hint: hint)
    }
}
