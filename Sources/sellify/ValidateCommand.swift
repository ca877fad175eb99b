import ArgumentParser
import Foundation
import SellifyCore

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
        var context: [Product] = []
        for id in products {
            guard let product = deployment.catalog.product(id: id) else {
                printError("error: --product: unknown product '\(id)'")
                throw ExitCode(2)
            }
            context.append(product)
        }
        let validator = TextValidator(
            rules: deployment.rules, catalog: deployment.catalog, validation: deployment.configuration.validation,
            account: deployment.configuration.account)
        let result: ValidationResult
        do {
            result = try validator.validate(text, products: context, context: nil)
        } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        printOutput(Array(result.jsonObject.string.utf8))
        if !result.valid { throw ExitCode(1) }
    }
}
