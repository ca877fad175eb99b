// sellify-bench-audit — the audit chain at the issue's size: append N records
// (sealed customer text, hash chain, in batches of 1,000 per transaction), then
// walk and verify the whole chain, as `sellify audit verify` does.
//
//   swift build -c release --product sellify-bench-audit
//   .build/release/sellify-bench-audit [records]        # default 100000
import Foundation
import SellifyCore
import SellifyStore

var count = 100_000
if CommandLine.arguments.count > 1, let value = Int(CommandLine.arguments[1]) { count = value }

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sellify-bench-audit-\(getpid())").path
try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: folder) }
let store = try SQLiteStore(
    configuration: .init(path: folder + "/audit.db", synchronous: .full, auditKeys: .ephemeral()))

let base: Int64 = 1_764_525_600_000
var written = 0
let appendStart = now()
while written < count {
    let batch = min(1000, count - written)
    let entries = (0..<batch).map { i -> AuditEntry in
        let n = written + i
        return AuditEntry(
            kind: "decision", at: Timestamp(milliseconds: base + Int64(n) * 100), conversationID: "wa:\(n % 5000)",
            messageID: "m\(n)", summary: #"{"action":"RespondText","rule":"price_question","state":"interested"}"#,
            rulesVersion: "sha256:ce24a3849a88f2ba49a636e5a00829fdce2e7d74b5227f9971083f6e090b1489",
            inputDigest: String(repeating: "d", count: 64),
            sensitive: #"{"text":"Hola, ¿cuánto cuesta el Plan Premium? mensaje \#(n)","type":"text"}"#)
    }
    try store.appendAudit(entries)
    written += batch
}
let appendSeconds = now() - appendStart

var verifySeconds: [Double] = []
var report: AuditVerification?
for _ in 0..<3 {
    let start = now()
    report = try store.verifyAudit(batchSize: 10_000)
    verifySeconds.append(now() - start)
}
let size = (try? FileManager.default.attributesOfItem(atPath: folder + "/audit.db")[.size] as? Int) ?? 0
print("records:        \(count)")
print(
    "append:         \(String(format: "%.2f", appendSeconds)) s (\(Int(Double(count) / appendSeconds)) records/s, batches of 1000, synchronous=FULL)"
)
print(
    "verify (3 runs): " + verifySeconds.map { String(format: "%.3f s", $0) }.joined(separator: ", ")
        + "  → \(Int(Double(count) / verifySeconds.min()!)) records/s")
print("intact:         \(report!.isIntact) (\(report!.records) records, head \(report!.headSequence))")
print("database:       \(size / 1_048_576) MiB")
