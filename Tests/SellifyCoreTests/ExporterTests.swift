import Foundation
import SellifyExporterStdout
import SellifyExporterTextfile
import SellifyMetrics
import Synchronization
import Testing

/// One conformance suite every exporter sink runs: what a reader gets back
/// is exactly what was exported, snapshot by snapshot.
struct ExporterConformanceTests {
    enum Kind: String, CaseIterable, Sendable { case textfile, stdout }

    /// A sink and a way to read back what a consumer (node_exporter, a pipe
    /// reader) would see after the writes.
    final class Harness {
        let sink: any ExpositionSink
        let readBack: () throws -> [String]
        let keepsOnlyLatest: Bool
        let directory: TemporaryDirectory
        init(_ kind: Kind) throws {
            directory = try TemporaryDirectory()
            switch kind {
            case .textfile:
                let sink = try TextfileSink(directory: directory.url.path, name: "sellify")
                self.sink = sink
                readBack = { [try String(contentsOfFile: sink.path, encoding: .utf8)] }
                keepsOnlyLatest = true
            case .stdout:
                let file = directory.url.appendingPathComponent("stdout.txt")
                _ = FileManager.default.createFile(atPath: file.path, contents: nil)
                let handle = try FileHandle(forWritingTo: file)
                sink = StdoutSink(handle: handle)
                readBack = { StdoutSink.snapshots(in: try String(contentsOf: file, encoding: .utf8)) }
                keepsOnlyLatest = false
            }
        }
    }

    static func snapshot(_ n: Int) -> String {
        "# HELP sellify_decisions_total Decisions made, by action.\n# TYPE sellify_decisions_total counter\n"
            + "sellify_decisions_total{action=\"RespondText\"} \(n)\n"
    }

    @Test(arguments: Kind.allCases)
    func readersGetExactlyWhatWasExported(_ kind: Kind) throws {
        let harness = try Harness(kind)
        let snapshots = (1...3).map(Self.snapshot)
        for text in snapshots { try harness.sink.write(text) }
        let seen = try harness.readBack()
        #expect(seen == (harness.keepsOnlyLatest ? [snapshots[2]] : snapshots))
    }

    @Test(arguments: Kind.allCases)
    func anEmptyExpositionIsStillAValidSnapshot(_ kind: Kind) throws {
        let harness = try Harness(kind)
        try harness.sink.write("")
        #expect(try harness.readBack() == [""])
    }
}

struct TextfileSinkTests {
    /// A reader polling the file in a tight loop while 1,000 snapshots replace
    /// each other never sees a torn or empty file: only complete snapshots.
    @Test func readersNeverSeeATornFile() throws {
        let directory = try TemporaryDirectory()
        let sink = try TextfileSink(directory: directory.url.path, name: "sellify")
        let snapshots = (1...1000).map { n in
            ExporterConformanceTests.snapshot(n) + String(repeating: "# padding\n", count: n % 50)
        }
        try sink.write(snapshots[0])
        let valid = Set(snapshots)
        let done = Mutex(false)
        let bad = Mutex<[String]>([])
        let finished = DispatchSemaphore(value: 0)
        let reader = Thread {
            while !done.withLock({ $0 }) {
                let text = (try? String(contentsOfFile: sink.path, encoding: .utf8)) ?? "<unreadable>"
                if !valid.contains(text) { bad.withLock { $0.append(String(text.prefix(80))) } }
            }
            finished.signal()
        }
        reader.start()
        for text in snapshots { try sink.write(text) }
        done.withLock { $0 = true }
        finished.wait()  // the reader's last read is done
        #expect(bad.withLock { $0 } == [])
        // No temporary file is left behind, and none ends in .prom.
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.url.path)
        #expect(files == ["sellify.prom"])
    }

    @Test func startFailsClearlyWhenTheDirectoryIsMissingOrAFile() throws {
        let directory = try TemporaryDirectory()
        let missing = directory.url.appendingPathComponent("nope").path
        let error = #expect(throws: ExporterError.self) { try TextfileSink(directory: missing, name: "sellify") }
        #expect(error?.message == "textfile exporter: directory '\(missing)' does not exist")
        let file = directory.url.appendingPathComponent("file").path
        _ = FileManager.default.createFile(atPath: file, contents: Data())
        let error2 = #expect(throws: ExporterError.self) { try TextfileSink(directory: file, name: "sellify") }
        #expect(error2?.message == "textfile exporter: '\(file)' is not a directory")
    }
}
