import Foundation
import SellifyTestSupport
import Testing

/// A running server given hostile rules and files by reload: every reload
/// answers (loaded or refused), decisions keep being answered, and what the
/// host matches with cannot be changed by a rule.
struct HostileRulesServerTests {
    static let original = try! String(
        contentsOf: repositoryRoot.appendingPathComponent("rules/decision.lua"), encoding: .utf8)

    /// (name, what to put at the top of decision.lua, what to put first inside decide()).
    static let attacks: [(String, String, String)] = [
        ("result whose __index raises", "", "do return setmetatable({}, {__index = function() error('boom') end}) end"),
        (
            "result whose __index loops", "",
            "do return setmetatable({}, {__index = function() while true do end end}) end"
        ),
        (
            "result whose __index allocates", "",
            "do return setmetatable({}, {__index = function() local t = {} for i = 1, 1e9 do t[i] = ('x'):rep(4096) end end}) end"
        ),
        ("library table taken through pairs", "local _, S = pairs(string)\nS.find = function() end\n", ""),
        ("C loop at load time", "table.move({}, 1, math.maxinteger - 10, 2)\n", ""),
        ("finalizer that loops", "setmetatable({}, {__gc = function() while true do end end})\n", ""),
        ("xpcall handler that loops", "", "xpcall(function() while true do end end, function() while true do end end)"),
        ("empty string repeated forever", "", "local _ = string.rep('', math.maxinteger)"),
        (
            "C loop in decide", "",
            "table.insert(setmetatable({}, {__len = function() return math.maxinteger - 1 end}), 1, 1)"
        ),
    ]

    @Test func theServerKeepsAnsweringThroughHostileReloads() throws {
        let deployment = try ServerDeployment(edits: [(ReloadTests.modeWatch, "    mode: off\n")])
        let server = try ServerProcess(deployment)
        defer { server.stop() }
        let c = server.client
        for (index, (name, top, inside)) in Self.attacks.enumerated() {
            let source =
                top
                + Self.original.replacingOccurrences(
                    of: "function decide(ctx)\n", with: "function decide(ctx)\n  \(inside)\n")
            try deployment.write("rules/decision.lua", source)
            let reload = try c.request("POST", "/api/v1/rules/reload", key: TestKey.admin)
            #expect(reload.status == 200 || reload.status == 422, "\(name): \(reload.status) \(reload.text)")
            let decision = try c.json(
                "POST", "/api/v1/decisions", key: TestKey.decide, event("wa:h\(index)", "h\(index)", "hola"))
            #expect(decision.status == 200, "\(name): \(decision.text)")
            #expect(try c.request("GET", "/health").status == 200, "\(name)")
            // The host's pattern entries still match, whatever the rules did to `string`.
            let validation = try c.json(
                "POST", "/api/v1/validate", key: TestKey.decide, #"{"text":"Resultados garantizados al 100%"}"#)
            #expect(validation.json?["valid"] as? Bool == false, "\(name): \(validation.text)")
        }
        // A catalog nested 60,000 levels deep is refused by a reload, not a crash.
        let catalog = deployment.url.appendingPathComponent("catalog.yaml")
        let text = try String(contentsOf: catalog, encoding: .utf8)
        try (text + "\nx: " + String(repeating: "[", count: 60_000) + String(repeating: "]", count: 60_000) + "\n")
            .write(to: catalog, atomically: true, encoding: .utf8)
        let reload = try c.request("POST", "/api/v1/rules/reload", key: TestKey.admin)
        #expect(reload.status == 422)
        #expect(reload.text.contains("collections nested deeper than 64 levels"))
        #expect(
            try c.json("POST", "/api/v1/decisions", key: TestKey.decide, event("wa:end", "end", "hola")).status == 200)
        #expect(server.stop() == 0)
    }
}
