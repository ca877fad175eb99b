import Foundation
import SellifyCore
import SellifyPlugins
import SellifyTestSupport
import Testing

/// The gateway with a real (tiny) model: what it writes goes through the
/// validator; a text that passes is returned, one that fails is re-asked,
/// then falls back — and every attempt is accounted for.
@Suite(.serialized)
struct RealModelTests {
    /// A plain price question, and one that tempts the model to invent
    /// (another plan, a discount): each text passes the validator, or is
    /// re-asked and then falls back — never sent unchecked.
    @Test(arguments: [
        "How much is the Basic Plan?",
        "Is there a 50% discount on the Basic Plan? And how much is the Platinum Plan Pro?",
        "How much does the Basic Plan cost per year, in euros?",
        "What is the price of two Basic Plans with the student discount?",
    ])
    func aRealModelIsValidatedReaskedAndFallsBackOrPasses(_ message: String) async throws {
        let server = try LocalModelServer.shared.get()
        let deployment = try Deployment.load(
            configPath: repositoryRoot.appendingPathComponent("config.yaml").path, plugins: .builtin,
            environment: [:], poolSize: 1)
        let validator = TextValidator(
            rules: deployment.rules, catalog: deployment.catalog, validation: deployment.configuration.validation,
            account: deployment.configuration.account)
        let product = try #require(deployment.catalog.product(id: "basic-plan"))
        let prompt = GroundedPrompt.build(
            system: "You are the sales assistant of Demo Store. Use only the catalog facts given.",
            brief: "answer the price question warmly", message: message, language: "en",
            products: [product])
        #expect(prompt.messages[1].content.contains("Basic Plan: 19.00 USD, in stock"))
        let gateway = AIGateway(
            members: [
                .init(
                    try openAI(baseURL: server.baseURL, model: "smollm2", extra: "max_tokens: 60\nseed: 1"),
                    policy: ProviderPolicy(retries: 1, timeout: .seconds(120)))
            ], maxReasks: 2)
        let result = await gateway.generate(prompt, deadline: .seconds(600)) { text in
            ((try? validator.validate(text, products: [product], context: nil))?.violations ?? [])
                .filter { $0.severity == Violation.block }
        }
        #expect(!result.attempts.isEmpty)
        #expect(result.attempts.allSatisfy { $0.status == "ok" && $0.text?.isEmpty == false }, "\(result.attempts)")
        if let text = result.text {
            let check = try validator.validate(text, products: [product], context: nil)
            #expect(!check.violations.contains { $0.severity == Violation.block }, "\(text)")
            #expect(result.attempts.last?.violations.isEmpty == true)
        } else {
            #expect(result.fallback == .validation)
            #expect(result.attempts.count == 3)
            #expect(result.attempts.allSatisfy { !$0.violations.isEmpty })
        }
        #expect(result.attempts.allSatisfy { $0.model.isEmpty == false })
    }
}
