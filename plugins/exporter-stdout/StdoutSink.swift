public import Foundation
public import SellifyMetrics
import Synchronization

/// Prints each exposition to a file handle (stdout by default) between
/// frame lines, so a reader can split snapshots:
///
///     # sellify metrics snapshot 3
///     …exposition…
///     # EOF
///
/// Logs go to stderr, never here.
public final class StdoutSink: ExpositionSink {
    public static let end = "# EOF"
    private let handle: FileHandle
    private let count = Mutex(0)

    public init(handle: FileHandle = .standardOutput) {
        self.handle = handle
    }

    public func write(_ exposition: String) throws(ExporterError) {
        let number = count.withLock { value -> Int in
            value += 1
            return value
        }
        var frame = "# sellify metrics snapshot \(number)\n" + exposition
        if !frame.hasSuffix("\n") { frame += "\n" }
        frame += Self.end + "\n"
        do {
            try handle.write(contentsOf: Data(frame.utf8))
        } catch {
            throw ExporterError("stdout exporter: \(error.localizedDescription)")
        }
    }

    /// Splits framed output back into expositions (for readers and tests).
    public static func snapshots(in text: String) -> [String] {
        var result: [String] = []
        var current: [Substring]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# sellify metrics snapshot ") {
                current = []
            } else if line == end, let lines = current {
                result.append(lines.map { $0 + "\n" }.joined())
                current = nil
            } else {
                current?.append(line)
            }
        }
        return result
    }
}
