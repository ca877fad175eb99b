import ArgumentParser
import Foundation
import SellifyCore
import SellifyStore

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a text against forbidden words and the catalog.",
        discussion: """
            Prints {"valid":…,"violations":[…]} and exits 0 when valid, 1 when invalid, 2 on error.
              sellify validate "El Plan Premium cuesta 49.00 USD" --product premium-plan
            """
    )

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The text to validate.")
    var text: String

    @Option(name: .customLong("product"), help: "A catalog product in context (repeatable); prices must match these.")
    var products: [String] = []

    func run() throws {
        let deployment = try Runtime.deployment(configPath: options.config, poolSize: 1)
        // The application's check, on a throw-away store: an offline check
        // writes nothing (`POST /api/v1/validate` is the audited one).
        let result: ValidationResult
        do {
            let service = try DecisionService.open(deployment, store: try SQLiteStore.inMemory(), clock: SystemClock())
            result = try service.check(text, productIDs: products)
        } catch let error as ServiceError where error.kind == .invalidField("product_ids") {
            printError("error: --product: \(error.message.replacingOccurrences(of: "product_ids: ", with: ""))")
            throw ExitCode(2)
        } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        printOutput(Array(result.jsonObject.string.utf8))
        if !result.valid { throw ExitCode(1) }
    }
}
