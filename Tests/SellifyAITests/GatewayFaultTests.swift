import SellifyAIOpenAI
import SellifyCore
import SellifyPlugins
import SellifyTestSupport
import SellifyYAML
import Synchronization
import Testing

/// A clock that records the waits the gateway asks for and moves time on by
/// them, at once: back-off and `Retry-After` are checked without sleeping.
final class TestClock: GatewayClock {
    private let state = Mutex((now: ContinuousClock.now, sleeps: [Duration]()))
    var now: ContinuousClock.Instant { state.withLock { $0.now } }
    var sleeps: [Duration] { state.withLock { $0.sleeps } }
    func sleep(for duration: Duration) async throws {
        state.withLock {
            $0.sleeps.append(duration)
            $0.now += duration
        }
    }
    func advance(_ duration: Duration) { state.withLock { $0.now += duration } }
}

/// An OpenAI-compatible provider built the way `ai.providers` builds one.
func openAI(
    _ server: FaultServer, extra: String = "", environment: [String: String] = [:]
) throws
    -> any GenerativeProvider
{
    try openAI(baseURL: server.baseURL, model: "fault-model", extra: extra, environment: environment)
}

func openAI(
    baseURL: String, model: String, extra: String = "", environment: [String: String] = [:]
) throws
    -> any GenerativeProvider
{
    let text = "base_url: \(baseURL)\nmodel: \(model)\n" + extra
    let configuration = try YAMLDecoder().decode(
        OpenAIProviderPlugin.Configuration.self, from: text, file: "test.yaml", environment: [:])
    #expect(OpenAIProviderPlugin.validate(configuration).isEmpty)
    return try OpenAIProviderPlugin.makeProvider(
        configuration, context: GenerativeContext(directory: "/", environment: environment))
}

let prompt = ChatPrompt(messages: [ChatMessage(.system, "You sell."), ChatMessage(.user, "¿Precio?")])

/// The gateway against a server that fails on purpose: retries, back-off,
/// `Retry-After`, every kind of fault, the breaker, re-asks.
struct GatewayFaultTests {
    @Test func retriesHonourRetryAfterThenAnswer() async throws {
        let server = try FaultServer([.status(429, retryAfter: 3), .answer("Hola")])
        let clock = TestClock()
        let gateway = AIGateway(
            members: [.init(try openAI(server), policy: ProviderPolicy(retries: 2, backoff: .milliseconds(200)))],
            maxReasks: 0, clock: clock)
        let result = await gateway.generate(prompt, deadline: .seconds(30)) { _ in [] }
        #expect(result.text == "Hola" && result.provider == "openai")
        #expect(result.attempts.map(\.status) == ["rate_limited", "ok"])
        #expect(clock.sleeps == [.seconds(3)])
        #expect(result.attempts[1].promptTokens == 42 && result.attempts[1].completionTokens == 7)
    }

    @Test func backOffDoublesAndStopsAtTheRetries() async throws {
        let server = try FaultServer([.status(500), .status(503), .status(502)])
        let clock = TestClock()
        let gateway = AIGateway(
            members: [.init(try openAI(server), policy: ProviderPolicy(retries: 2, backoff: .milliseconds(200)))],
            maxReasks: 0, clock: clock)
        let result = await gateway.generate(prompt, deadline: .seconds(30)) { _ in [] }
        #expect(result.text == nil && result.fallback == .providersFailed)
        #expect(result.attempts.map(\.status) == ["unavailable", "unavailable", "unavailable"])
        #expect(clock.sleeps == [.milliseconds(200), .milliseconds(400)])
        #expect(server.requests.count == 3)
    }

    /// Every fault is named in the attempt; a fault that a retry cannot mend
    /// (a refusal, a malformed answer) goes to the next provider at once.
    @Test(arguments: [
        (FaultServer.Behaviour.reset, "transport_error", 3),
        (.hang, "timeout", 3),
        (.malformedJSON, "malformed", 1),
        (.emptyChoices, "malformed", 1),
        (.status(401), "rejected", 1),
    ])
    func faultsAreNamedAndTheNextProviderAnswers(
        _ fault: FaultServer.Behaviour, _ status: String, _ tries: Int
    )
        async throws
    {
        let bad = try FaultServer([fault])
        let good = try FaultServer([.answer("Claro")])
        let clock = TestClock()
        let policy = ProviderPolicy(retries: 2, backoff: .milliseconds(10), timeout: .milliseconds(500))
        let gateway = AIGateway(
            members: [.init(try openAI(bad), policy: policy), .init(try openAI(good), policy: policy)],
            maxReasks: 0, clock: clock)
        let result = await gateway.generate(prompt, deadline: .seconds(60)) { _ in [] }
        #expect(result.text == "Claro")
        #expect(result.attempts.map(\.status) == Array(repeating: status, count: tries) + ["ok"])
        #expect(result.attempts.dropLast().allSatisfy { $0.error?.isEmpty == false })
    }

    /// After `failures` failures in a row the circuit opens: the next
    /// generations skip the provider (it sees no request) and the next one
    /// answers; after the cool-down one probe goes through, and a good
    /// probe closes the circuit.
    @Test func theBreakerOpensSkipsAndClosesAfterAGoodProbe() async throws {
        let bad = try FaultServer([.status(500)])
        let good = try FaultServer([.answer("Del segundo")])
        let clock = TestClock()
        let policy = ProviderPolicy(
            retries: 0,
            breaker: .init(failures: 3, failureRatio: 1, window: 10, minimumCalls: 10, coolDown: .seconds(30)))
        let first = AIGateway.Member(try openAI(bad), policy: policy)
        let gateway = AIGateway(
            members: [first, .init(try openAI(good), policy: policy)], maxReasks: 0, clock: clock)
        for _ in 0..<3 {
            let result = await gateway.generate(prompt, deadline: .seconds(10)) { _ in [] }
            #expect(result.attempts.map(\.status) == ["unavailable", "ok"])
        }
        #expect(first.circuit == .open)
        let skipped = await gateway.generate(prompt, deadline: .seconds(10)) { _ in [] }
        #expect(skipped.attempts.map(\.status) == ["circuit_open", "ok"] && skipped.text == "Del segundo")
        #expect(bad.requests.count == 3)
        // The cool-down passes; the provider is well again: the probe closes the circuit.
        clock.advance(.seconds(31))
        bad.replace([.answer("Del primero")])
        let probed = await gateway.generate(prompt, deadline: .seconds(10)) { _ in [] }
        #expect(probed.text == "Del primero" && probed.attempts.map(\.status) == ["ok"])
        #expect(first.circuit == .closed)
    }

    @Test func aBadProbeOpensTheCircuitAgain() async throws {
        let bad = try FaultServer([.status(503)])
        let clock = TestClock()
        let policy = ProviderPolicy(
            retries: 0,
            breaker: .init(failures: 1, failureRatio: 1, window: 10, minimumCalls: 10, coolDown: .seconds(5)))
        let member = AIGateway.Member(try openAI(bad), policy: policy)
        let gateway = AIGateway(members: [member], maxReasks: 0, clock: clock)
        _ = await gateway.generate(prompt, deadline: .seconds(10)) { _ in [] }
        #expect(member.circuit == .open)
        clock.advance(.seconds(6))
        let probe = await gateway.generate(prompt, deadline: .seconds(10)) { _ in [] }
        #expect(probe.attempts.map(\.status) == ["unavailable"] && member.circuit == .open)
        let skipped = await gateway.generate(prompt, deadline: .seconds(10)) { _ in [] }
        #expect(skipped.attempts.map(\.status) == ["circuit_open"] && bad.requests.count == 2)
    }

    /// A text the validator refuses is asked again with its violations
    /// spelled out; the second text passes.
    @Test func aRefusedTextIsReaskedWithItsViolations() async throws {
        let server = try FaultServer([.answer("Cuesta 25 USD"), .answer("Cuesta 19.00 USD")])
        let gateway = AIGateway(
            members: [.init(try openAI(server), policy: ProviderPolicy())], maxReasks: 2, clock: TestClock())
        let result = await gateway.generate(prompt, deadline: .seconds(10)) { text in
            text.contains("25")
                ? [
                    Violation(
                        code: "price_mismatch",
                        message: "price 25 USD is not the catalog price of a product in this conversation "
                            + "(Basic Plan: 19.00 USD)", start: 0, end: 1)
                ] : []
        }
        #expect(result.text == "Cuesta 19.00 USD")
        #expect(result.attempts.map { $0.violations.map(\.code) } == [["price_mismatch"], []])
        let reask = try #require(server.requests.last?.body)
        #expect(reask.contains("Cuesta 25 USD") && reask.contains("Basic Plan: 19.00 USD"))
    }

    /// The key comes from the environment, is sent as a bearer token, and
    /// is in no attempt's error.
    @Test func theKeyIsSentButNeverReported() async throws {
        let server = try FaultServer([.status(401)])
        let provider = try openAI(server, extra: "api_key_env: TEST_KEY", environment: ["TEST_KEY": "sk-test-123"])
        let gateway = AIGateway(members: [.init(provider, policy: ProviderPolicy())], maxReasks: 0, clock: TestClock())
        let result = await gateway.generate(prompt, deadline: .seconds(10)) { _ in [] }
        let headers = try #require(server.requests.first?.headers)
        #expect(headers.contains { $0.0.lowercased() == "authorization" && $0.1 == "Bearer sk-test-123" })
        #expect(!result.attempts.contains { ($0.error ?? "").contains("sk-test-123") })
    }

    /// Two entries of one type, each under its own `name`: the audit's
    /// attempts (and the metrics) tell them apart.
    @Test func entriesOfOneTypeAreToldApartByName() async throws {
        let text = """
            ai:
              providers:
                - { type: openai, name: openai_main, base_url: "http://127.0.0.1:1/v1", model: a }
                - { type: openai, name: openai_local, base_url: "http://127.0.0.1:2/v1", model: b }
            """
        let loaded = try LoadedConfiguration.decode(
            text, path: "config.yaml", directory: "/srv", environment: [:], plugins: .builtin)
        #expect(loaded.configuration.ai.generative.map(\.label) == ["openai_main", "openai_local"])
        let down = try FaultServer([.status(503)])
        let up = try FaultServer([.answer("Hola")])
        let gateway = AIGateway(
            members: [
                .init(try openAI(down), name: "openai_main", policy: ProviderPolicy(retries: 0)),
                .init(try openAI(up), name: "openai_local", policy: ProviderPolicy()),
            ], maxReasks: 0, clock: TestClock())
        let result = await gateway.generate(prompt, deadline: .seconds(10)) { _ in [] }
        #expect(result.attempts.map(\.provider) == ["openai_main", "openai_local"])
        #expect(result.provider == "openai_local")
    }
}
