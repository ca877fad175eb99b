import Foundation
import SellifyMetrics
import SellifyServer
import Synchronization
import Testing

/// Live rule changes: the file watcher, last-good safety, and reloads under load.
struct ReloadTests {
    static let modeWatch =
        "    mode: watch                     # watch (inotify) | poll | off; SIGHUP and POST /api/v1/rules/reload always work\n"

    func reloads(_ server: ServerProcess) throws -> (ok: Int, error: Int) {
        let rules = try server.client.request("GET", "/api/v1/rules", key: TestKey.readOnly).json
        let reloads = rules?["reloads"] as? [String: Int]
        return (reloads?["ok"] ?? -1, reloads?["error"] ?? -1)
    }

    /// The watcher's completed looks at the files (`watch.scans` in `GET /api/v1/rules`).
    func scans(_ server: ServerProcess) throws -> Int {
        let rules = try server.client.request("GET", "/api/v1/rules", key: TestKey.readOnly).json
        return (rules?["watch"] as? [String: Any])?["scans"] as? Int ?? -1
    }

    /// Waits until the watcher has finished two looks that began after this call:
    /// whatever was on disk before it has been seen and acted on (reloaded or not).
    func watcherCaughtUp(_ server: ServerProcess) throws -> Bool {
        let start = try scans(server)
        return try eventually { try scans(server) >= start + 2 }
    }

    func changesSeen(_ server: ServerProcess) -> Int {
        server.stderr.components(separatedBy: "rules files changed; waiting for them to settle").count - 1
    }

    @Test(arguments: ["watch", "poll"])
    func anEditorSaveTriggersExactlyOneReload(_ mode: String) throws {
        // A generous debounce: the half-written file below must stay unchanged that
        // long before it would be loaded, far longer than the test takes to finish it.
        let deployment = try ServerDeployment(edits: [
            (Self.modeWatch, "    mode: \(mode)\n"), ("poll_interval: 2s", "poll_interval: 200ms"),
            ("debounce: 300ms", "debounce: 3s"), ("level: info ", "level: debug "),
        ])
        let server = try ServerProcess(deployment)
        defer { server.stop() }
        let templates = deployment.url.appendingPathComponent("rules/templates.yaml").path
        let original = try String(contentsOfFile: templates, encoding: .utf8)
        #expect(try eventually { try scans(server) >= 1 })  // the watcher has taken its first look

        // 1. Write a temp file, then rename it over the original (vim, most IDEs).
        let temp = templates + ".tmp-save"
        try original.replacingOccurrences(of: "¡Hola! Bienvenido", with: "¡Hola! Bienvenida").write(
            toFile: temp, atomically: false, encoding: .utf8)
        #expect(rename(temp, templates) == 0)
        #expect(try eventually { try reloads(server).ok >= 1 })
        #expect(try watcherCaughtUp(server))
        #expect(try reloads(server).ok == 1)

        // 2. Truncate, let the watcher see the empty file, then write in place (nano, `>` in a shell).
        let seen = changesSeen(server)
        let handle = try #require(FileHandle(forWritingAtPath: templates))
        try handle.truncate(atOffset: 0)
        #expect(eventually { changesSeen(server) > seen })
        try handle.write(contentsOf: Data(original.utf8))
        try handle.close()
        #expect(try eventually { try reloads(server).ok >= 2 })
        #expect(try watcherCaughtUp(server))
        #expect(try reloads(server).ok == 2)
        #expect(try reloads(server).error == 0)  // the half-written file was never loaded

        // 3. Editor leftovers are not rule files: the watcher looks and does nothing.
        for name in [".templates.yaml.swp", "templates.yaml~", ".#decision.lua", "4913"] {
            try "junk".write(
                toFile: deployment.url.appendingPathComponent("rules/\(name)").path, atomically: false, encoding: .utf8)
        }
        #expect(try watcherCaughtUp(server))
        #expect(try reloads(server) == (2, 0))
    }

    @Test func aBrokenRulesFolderAtStartServesTheLastGoodCopyDegraded() throws {
        let deployment = try ServerDeployment()
        let first = try ServerProcess(deployment)
        let good = try first.client.request("GET", "/api/v1/rules", key: TestKey.readOnly).json?["version"] as? String
        #expect(first.stop() == 0)
        #expect(
            FileManager.default.fileExists(
                atPath: deployment.url.appendingPathComponent("data/rules.last-good/VERSION").path))

        try deployment.write("rules/decision.lua", "function decide(ctx)\n  return {action = \n")
        let degraded = try ServerProcess(deployment)
        defer { degraded.stop() }
        #expect(eventually { degraded.stderr.contains("rules/decision.lua:3:") })
        #expect(eventually { degraded.stderr.contains("serving DEGRADED from the last good rules") })
        let ready = try degraded.client.request("GET", "/ready")
        #expect(ready.status == 200)
        #expect(ready.json?["status"] as? String == "degraded")
        let rules = try degraded.client.request("GET", "/api/v1/rules", key: TestKey.readOnly).json
        #expect(rules?["version"] as? String == good)
        #expect(rules?["stale_since"] is String)
        let decision = try degraded.client.json(
            "POST", "/api/v1/decisions", key: TestKey.decide, event("wa:d", "d1", "hola"))
        #expect(decision.status == 200)
        #expect(decision.json?["rules_version"] as? String == good)
    }

    @Test func failClosedRefusesToStartOnBrokenRules() throws {
        let deployment = try ServerDeployment(edits: [("fail_closed: false", "fail_closed: true")])
        let first = try ServerProcess(deployment)
        #expect(first.stop() == 0)
        try deployment.write("rules/decision.lua", "function decide(ctx)\n  return {action = \n")
        let error = #expect(throws: HTTPTestError.self) { try ServerProcess(deployment) }
        #expect(error?.description.contains("refusing to start with broken rules (rules.fail_closed: true)") == true)
        #expect(error?.description.contains("status 2") == true)
    }

    @Test func fiftyReloadsUnderLoadNeverFailARequestNorMixRuleSets() throws {
        let deployment = try ServerDeployment(edits: [
            (Self.modeWatch, "    mode: off\n"),
            ("requests_per_second: 50", "requests_per_second: 100000"), ("burst: 100", "burst: 100000"),
            ("messages_per_day: 200", "messages_per_day: 1000000"),
            ("messages_per_week: 1000", "messages_per_week: 1000000"),
        ])
        let templates = deployment.url.appendingPathComponent("rules/templates.yaml").path
        let decisionFile = deployment.url.appendingPathComponent("rules/decision.lua").path
        let textA = try String(contentsOfFile: templates, encoding: .utf8)
        let textB = textA.replacingOccurrences(of: "¡Hola! Bienvenido a", with: "¡Hola otra vez! Bienvenido a")
        let goodDecision = try String(contentsOfFile: decisionFile, encoding: .utf8)
        let server = try ServerProcess(deployment)
        defer { server.stop() }
        let port = server.port

        // Load: one client posting greetings until the reloads are done.
        let done = Atomic<Bool>(false)
        let results = Mutex<[HTTPTestResponse]>([])
        let loader = Thread.detachNewThreadWithResult {
            var i = 0
            while !done.load(ordering: .relaxed) {
                let response = try HTTPTestClient(port: port).json(
                    "POST", "/api/v1/decisions", key: TestKey.decide, event("load\(i)", "load-\(i)", "hola"))
                results.withLock { $0.append(response) }
                i += 1
            }
            return i
        }
        var goodVersions: [String: String] = [:]  // version → greeting prefix
        var brokenCount = 0
        for round in 0..<50 {
            if round % 2 == 0 {
                let useB = round % 4 == 2
                try goodDecision.write(toFile: decisionFile, atomically: true, encoding: .utf8)
                try (useB ? textB : textA).write(toFile: templates, atomically: true, encoding: .utf8)
                let reload = try server.client.request("POST", "/api/v1/rules/reload", key: TestKey.admin)
                #expect(reload.status == 200, "\(reload.text)")
                if let version = reload.json?["version"] as? String {
                    goodVersions[version] = useB ? "¡Hola otra vez! Bienvenido" : "¡Hola! Bienvenido"
                }
            } else {
                try (goodDecision + "\nthis is not lua (\(round))\n").write(
                    toFile: decisionFile, atomically: true, encoding: .utf8)
                let reload = try server.client.request("POST", "/api/v1/rules/reload", key: TestKey.admin)
                #expect(reload.status == 422)
                brokenCount += 1
            }
            // Let the load catch up: every round has decisions in flight around it.
            let answered = results.withLock { $0.count }
            #expect(eventually { results.withLock { $0.count } >= answered + 2 })
        }
        done.store(true, ordering: .relaxed)
        let sent: Int
        do {
            sent = try loader.value()
        } catch {
            Issue.record("load client failed: \(error)\nserver log:\n\(server.stderr.suffix(3000))")
            return
        }
        let responses = results.withLock { $0 }
        #expect(sent == responses.count && sent > 50)
        #expect(brokenCount == 25 && goodVersions.count == 2)
        #expect(
            responses.allSatisfy { $0.status == 200 }, "\(responses.filter { $0.status != 200 }.prefix(3).map(\.text))")
        // Every decision came from one complete good set: its version is a good one
        // and its text is that version's greeting. (The starting rules are set A.)
        for response in responses {
            let version = response.json?["rules_version"] as? String ?? ""
            let text = response.json?["text"] as? String ?? ""
            let prefix = goodVersions[version]
            #expect(prefix != nil, "a decision used rules \(version)")
            if let prefix { #expect(text.hasPrefix(prefix), "\(version): \(text)") }
        }
        let reloads = try reloads(server)
        #expect(reloads == (25, 25))
    }
}

struct ReplayTests {
    @Test func aChangeToOneBranchIsReportedWithTheExactCountOfChangedDecisions() throws {
        let deployment = try ServerDeployment()
        var events: [String] = []
        for i in 0..<10 { events.append(event("wa:g\(i)", "g\(i)", "hola", at: "2026-11-30T18:0\(i):00Z")) }
        for i in 0..<5 {
            events.append(event("wa:p\(i)", "p\(i)", "¿cuánto cuesta el Plan Premium?", at: "2026-11-30T19:0\(i):00Z"))
        }
        for i in 0..<4 { events.append(event("wa:s\(i)", "s\(i)", "STOP", at: "2026-11-30T20:0\(i):00Z")) }
        let decided = try run(
            try sellifyExecutable().path, ["decide", "--jsonl", "--config", deployment.configPath],
            input: events.joined(separator: "\n") + "\n")
        #expect(decided.status == 0)
        // The candidate: greetings go to a person.
        let candidate = deployment.url.appendingPathComponent("rules.next")
        try FileManager.default.copyItem(at: deployment.url.appendingPathComponent("rules"), to: candidate)
        try deployment.edit(
            [
                (
                    #"    return respond("greeting", "greeting", nil, advance(state, "greeting"), "greeting")"#,
                    #"    return escalate("greeting_to_human", "greetings now go to a person")"#
                )
            ], file: "rules.next/decision.lua")

        let report = try run(
            try sellifyExecutable().path, ["replay", "--config", deployment.configPath, "--rules", candidate.path])
        #expect(report.status == 0)
        let json = try #require(report.output.split(separator: "\n").first { $0.hasPrefix("{") })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["decisions"] as? Int == 19)
        #expect(object["changed"] as? Int == 10)
        #expect(object["baseline_differs_from_log"] as? Int == 0)
        let transitions = object["transitions"] as? [String: [String: Any]]
        #expect(transitions?.keys.sorted() == ["RespondText → Escalate"])
        #expect(transitions?["RespondText → Escalate"]?["count"] as? Int == 10)
        #expect(report.output.contains("before: greeting: greeting"))
        #expect(report.output.contains("after:  greeting_to_human: greetings now go to a person"))

        // The last 5 only (4 opt-outs and one price question): nothing changes.
        let lastFive = try run(
            try sellifyExecutable().path,
            ["replay", "--config", deployment.configPath, "--rules", candidate.path, "--last", "5", "--fail-on-change"])
        #expect(lastFive.status == 0)
        #expect(lastFive.output.contains("replay: 5 decisions, 0 would change"))
        let failing = try run(
            try sellifyExecutable().path,
            ["replay", "--config", deployment.configPath, "--rules", candidate.path, "--fail-on-change"])
        #expect(failing.status == 1)
        // The store was only read.
        let after = try run(try sellifyExecutable().path, ["audit", "verify", "--config", deployment.configPath])
        #expect(after.output.contains(#""records":19"#))
    }
}

extension ReplayTests {
    /// One conversation, three messages decided at one server time with
    /// claims an hour apart: the first is answered, the others cool down —
    /// and a replay, made at the recorded decision times, agrees with the log.
    @Test func aReplayDecidesAtTheRecordedDecisionTimes() throws {
        let deployment = try ServerDeployment()
        let events = ["16", "17", "18"].enumerated().map { i, hour in
            event("wa:r", "r\(i)", "¿cuánto cuesta el Plan Premium?", at: "2026-11-30T\(hour):00:00Z")
        }
        let decided = try run(
            try sellifyExecutable().path,
            ["decide", "--jsonl", "--at", "2026-11-30T18:00:00Z", "--config", deployment.configPath],
            input: events.joined(separator: "\n") + "\n")
        #expect(decided.status == 0)
        let rules = decided.output.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["rule"] as? String
        }
        #expect(rules == ["price_question", "cooldown_deferred", "cooldown_deferred"])
        let rulesPath = deployment.url.appendingPathComponent("rules").path
        let report = try run(
            try sellifyExecutable().path,
            ["replay", "--config", deployment.configPath, "--rules", rulesPath, "--fail-on-change"])
        #expect(report.status == 0, "\(report.output)")
        let json = try #require(report.output.split(separator: "\n").first { $0.hasPrefix("{") })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["decisions"] as? Int == 3)
        #expect(object["baseline_differs_from_log"] as? Int == 0)
    }
}

struct ConfigReloadTests {
    /// `GET /metrics` declares every catalogue family from the first scrape, and
    /// `sellify_rules_info` shows the running rules only: a reload to another
    /// version removes the old version's series (it does not stay behind at 0).
    @Test func metricsShowOnlyTheRunningRulesVersion() throws {
        let deployment = try ServerDeployment(edits: [(ReloadTests.modeWatch, "    mode: off\n")])
        let server = try ServerProcess(deployment)
        defer { server.stop() }
        func rulesInfo() throws -> [String] {
            try server.client.request("GET", "/metrics").text.split(separator: "\n").map(String.init)
                .filter { $0.hasPrefix("sellify_rules_info{") }
        }
        func version() throws -> String? {
            try server.client.request("GET", "/api/v1/rules", key: TestKey.readOnly).json?["version"] as? String
        }
        let first = try server.client.request("GET", "/metrics").text.split(separator: "\n").map(String.init)
        for definition in MetricCatalog.all {
            #expect(first.contains("# TYPE \(definition.name) \(definition.kind.typeName)"), "\(definition.name)")
        }
        let before = try #require(try version())
        #expect(try rulesInfo() == [#"sellify_rules_info{version="\#(before)"} 1.0"#])

        try deployment.edit([("¡Hola! Bienvenido", "¡Hola! Bienvenida")], file: "rules/templates.yaml")
        let reload = try server.client.request("POST", "/api/v1/rules/reload", key: TestKey.admin)
        #expect(reload.status == 200, "\(reload.text)")
        let after = try #require(try version())
        #expect(after != before)
        #expect(try rulesInfo() == [#"sellify_rules_info{version="\#(after)"} 1.0"#])
    }

    @Test func aConfigReloadAppliesQuotasAndNamesWhatNeedsARestart() throws {
        let deployment = try ServerDeployment(edits: [(ReloadTests.modeWatch, "    mode: off\n")])
        let server = try ServerProcess(deployment)
        defer { server.stop() }
        try deployment.edit([("messages_per_day: 200", "messages_per_day: 150"), ("port: 8080 ", "port: 8181 ")])
        let reload = try server.client.request("POST", "/api/v1/rules/reload", key: TestKey.admin)
        #expect(reload.status == 200, "\(reload.text)")
        #expect(reload.json?["restart_required"] as? [String] == ["server"])
        let quota = try server.client.request("GET", "/api/v1/quota?at=2026-11-30T18:00:00Z", key: TestKey.readOnly)
        #expect((quota.json?["quotas"] as? [String: [String: Any]])?["messages_today"]?["limit"] as? Int == 150)
        let rules = try server.client.request("GET", "/api/v1/rules", key: TestKey.readOnly)
        #expect(rules.json?["restart_required"] as? [String] == ["server"])
        #expect(eventually { server.stderr.contains("changed settings need a restart to take effect") })
    }

    /// Reverting a restart-only change clears `restart_required`: it names
    /// what differs from what the process started with, not from the last reload.
    @Test func revertingARestartOnlyChangeClearsRestartRequired() throws {
        let deployment = try ServerDeployment(edits: [(ReloadTests.modeWatch, "    mode: off\n")])
        let server = try ServerProcess(deployment)
        defer { server.stop() }
        try deployment.edit([("port: 8080 ", "port: 8181 ")])
        let changed = try server.client.request("POST", "/api/v1/rules/reload", key: TestKey.admin)
        #expect(changed.json?["restart_required"] as? [String] == ["server"], "\(changed.text)")
        let ready = try server.client.request("GET", "/ready")
        let config = (ready.json?["checks"] as? [String: Any])?["config"] as? [String: Any]
        #expect(config?["restart_required"] as? [String] == ["server"], "\(ready.text)")
        try deployment.edit([("port: 8181 ", "port: 8080 ")])
        let reverted = try server.client.request("POST", "/api/v1/rules/reload", key: TestKey.admin)
        #expect(reverted.json?["restart_required"] as? [String] == [], "\(reverted.text)")
        let rules = try server.client.request("GET", "/api/v1/rules", key: TestKey.readOnly)
        #expect(rules.json?["restart_required"] as? [String] == [])
    }

    /// A broken config file is filed under `config` in `/ready`, broken rules
    /// under `rules`; each says what is wrong, naming the file.
    @Test(arguments: [true, false])
    func readyFilesAFailedReloadUnderTheBrokenFile(configBroken: Bool) throws {
        let deployment = try ServerDeployment(edits: [(ReloadTests.modeWatch, "    mode: off\n")])
        let server = try ServerProcess(deployment)
        defer { server.stop() }
        if configBroken {
            try deployment.edit([("messages_per_day: 200", "messages_per_day: lots")])
        } else {
            try deployment.edit([("function decide(ctx)", "function decide(ctx")], file: "rules/decision.lua")
        }
        let reload = try server.client.request("POST", "/api/v1/rules/reload", key: TestKey.admin)
        #expect(reload.status == 422)
        let ready = try server.client.request("GET", "/ready")
        #expect(ready.status == 200)
        let checks = try #require(ready.json?["checks"] as? [String: [String: Any]])
        let config = try #require(checks["config"])
        let rules = try #require(checks["rules"])
        #expect(rules["status"] as? String == "degraded")
        if configBroken {
            #expect(config["status"] as? String == "error", "\(ready.text)")
            #expect((config["last_error"] as? [String])?.first?.contains("config.yaml") == true, "\(ready.text)")
            #expect(rules["last_error"] == nil, "\(ready.text)")
        } else {
            #expect(config["status"] as? String == "ok", "\(ready.text)")
            #expect((rules["last_error"] as? [String])?.first?.contains("rules/decision.lua") == true, "\(ready.text)")
        }
    }

    @Test func reloadRequiresTestsKeepsTheRunningRulesWhenATestFails() throws {
        let deployment = try ServerDeployment(edits: [
            (ReloadTests.modeWatch, "    mode: off\n"), ("reload_requires_tests: false", "reload_requires_tests: true"),
        ])
        let server = try ServerProcess(deployment)
        defer { server.stop() }
        // Greetings now escalate: valid Lua, but the greeting rule tests fail.
        try deployment.edit(
            [
                (
                    #"    return respond("greeting", "greeting", nil, advance(state, "greeting"), "greeting")"#,
                    #"    return escalate("greeting_to_human", "greetings now go to a person")"#
                )
            ], file: "rules/decision.lua")
        let reload = try server.client.request("POST", "/api/v1/rules/reload", key: TestKey.admin)
        #expect(reload.status == 422)
        #expect(reload.errorCode == "rules_invalid")
        #expect(reload.text.contains("rule test 'greeting in Spanish' failed"))
        let decision = try server.client.json(
            "POST", "/api/v1/decisions", key: TestKey.decide, event("wa:r", "r1", "hola"))
        #expect(decision.json?["rule"] as? String == "greeting")
    }
}
