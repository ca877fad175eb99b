import Foundation
import SellifyCore
import SellifyServer
import SellifyTestPlugins
import SellifyYAML

// `sellify check` and `sellify serve` with the test registry (the shipped
// plugins plus one test plugin of each kind) and the test license key trusted
// beside the vendor's: the same library calls the `sellify` binary makes,
// with other lists.
//   sellify-test-plugins check --config FILE
//   sellify-test-plugins serve --config FILE [--port N]
let arguments = Array(CommandLine.arguments.dropFirst())
func value(_ name: String) -> String? {
    arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
}
guard let command = arguments.first, let config = value("--config") else {
    FileHandle.standardError.write(Data("usage: sellify-test-plugins check|serve --config FILE [--port N]\n".utf8))
    exit(2)
}
switch command {
case "check":
    let report = Checker(plugins: .withTestPlugins, licenseVerifier: .withTestKey).check(configPath: config)
    for diagnostic in report.diagnostics { FileHandle.standardError.write(Data((diagnostic.description + "\n").utf8)) }
    for line in report.summary { print(line) }
    exit(report.isClean ? 0 : 1)
case "serve":
    exit(
        await SellifyServer.serve(
            configPath: config, host: value("--host"), port: value("--port").flatMap(Int.init),
            plugins: .withTestPlugins, licenseVerifier: .withTestKey))
default:
    FileHandle.standardError.write(Data("unknown command '\(command)'\n".utf8))
    exit(2)
}
