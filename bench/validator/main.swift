// sellify-bench-validator — what the anti-hallucination validator catches and
// what it costs, on the corpora the tests hold
// (Tests/Fixtures/validation/{evasions,legitimate}.tsv):
//   recall       evasions refused with their expected code, by class
//   false alarms legitimate texts refused
//   cost         µs per validation (median of rounds, one thread), next to a
//                peer: the keyword filter most bots ship — the same phrases
//                searched with `contains` in the lowercased text. The ratio is
//                what the hardening costs over that floor.
//
//   swift build -c release --scratch-path .build-release --product sellify-bench-validator
//   .build-release/release/sellify-bench-validator [rounds]
//
// Run from the repository root (it loads config.yaml, catalog.yaml, rules/).
import Foundation
import SellifyCore
import SellifyPlugins

let rounds = max(1, CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 200)

func wallSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

struct Line {
    var label: String
    var code: String?
    var text: String
    var products: [String]
}

func load(_ name: String, evasion: Bool) throws -> [Line] {
    let text = try String(contentsOfFile: "Tests/Fixtures/validation/\(name).tsv", encoding: .utf8)
    return text.split(separator: "\n").compactMap { line in
        guard !line.hasPrefix("#") else { return nil }
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        let index = evasion ? 2 : 1
        guard fields.count > index else { return nil }
        let products =
            fields.count > index + 1
            ? fields[index + 1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } : []
        return Line(label: fields[0], code: evasion ? fields[1] : nil, text: fields[index], products: products)
    }
}

let deployment: Deployment
let evasions: [Line]
let legitimate: [Line]
do {
    deployment = try Deployment.load(configPath: "config.yaml", plugins: .builtin, poolSize: 1)
    evasions = try load("evasions", evasion: true)
    legitimate = try load("legitimate", evasion: false)
} catch {
    print("error: \(error)")
    exit(2)
}
let validator = TextValidator(
    rules: deployment.rules, catalog: deployment.catalog, validation: deployment.configuration.validation,
    account: deployment.configuration.account)
func products(_ line: Line) -> [Product] { line.products.compactMap(deployment.catalog.product(id:)) }

// Recall and false alarms.
var caught: [String: (caught: Int, total: Int)] = [:]
var missed: [String] = []
for line in evasions {
    let result = try validator.validate(line.text, products: products(line), context: nil)
    let hit = result.violations.contains { $0.code == line.code && $0.severity == "block" }
    caught[line.label, default: (0, 0)].total += 1
    if hit { caught[line.label]!.caught += 1 } else { missed.append("[\(line.label)] \(line.text)") }
}
var falseAlarms: [String] = []
for line in legitimate {
    let result = try validator.validate(line.text, products: products(line), context: nil)
    if !result.valid { falseAlarms.append("[\(line.label)] \(line.text): \(result.violations.map(\.code))") }
}
let totalCaught = caught.values.map(\.caught).reduce(0, +)
print("machine: \(ProcessInfo.processInfo.activeProcessorCount) CPUs, rounds \(rounds)")
print(
    String(
        format: "recall:       %d/%d evasions refused (%.1f%%)", totalCaught, evasions.count,
        100 * Double(totalCaught) / Double(max(1, evasions.count))))
for (label, value) in caught.sorted(by: { $0.key < $1.key }) {
    print("  \(label.padding(toLength: 14, withPad: " ", startingAt: 0)) \(value.caught)/\(value.total)")
}
for line in missed { print("  missed: \(line)") }
print(
    String(
        format: "false alarms: %d/%d legitimate texts refused (%.1f%%)", falseAlarms.count, legitimate.count,
        100 * Double(falseAlarms.count) / Double(max(1, legitimate.count))))
for line in falseAlarms { print("  refused: \(line)") }

// Cost: every corpus text, `rounds` times; the median round.
let texts = (evasions + legitimate).map { ($0.text, products($0)) }
let phrases = deployment.rules.forbidden.entries.compactMap(\.phrase).map { $0.lowercased() }
var sink = 0
func timeRounds(_ body: () throws -> Void) rethrows -> Double {
    var samples: [Double] = []
    for _ in 0..<rounds {
        let start = wallSeconds()
        try body()
        samples.append(wallSeconds() - start)
    }
    samples.sort()
    return samples[samples.count / 2] / Double(texts.count) * 1e6
}
let hardened = try timeRounds {
    for (text, products) in texts {
        sink &+= try validator.validate(text, products: products, context: nil).violations.count
    }
}
let peer = timeRounds {
    for (text, _) in texts {
        let lower = text.lowercased()
        for phrase in phrases where lower.contains(phrase) { sink &+= 1 }
    }
}
print(
    String(
        format: "cost:         %.2f µs per validation (all checks), peer keyword filter %.2f µs: ratio %.2f×",
        hardened, peer, hardened / peer))
print(
    "(\(texts.count) texts, mean \(texts.map(\.0.count).reduce(0, +) / max(1, texts.count)) characters; sink \(sink % 10))"
)
