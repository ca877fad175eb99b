// The sample of plugins/README.md, compiled and run by the conformance suite:
// keep the two the same.
import Foundation
public import SellifyCore
public import SellifyPluginKit

/// `alert.file`: appends one line per notification to a file.
public enum FileAlertSink: AlertSinkPlugin {
    public static let id = PluginID(kind: "alert", name: "file")

    public struct Configuration: Decodable, Sendable {
        /// Relative to the config file's folder.
        public var path: String
        public var queueSize: Int
        enum CodingKeys: String, CodingKey { case path, queueSize = "queue_size" }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            path = try c.decode(String.self, forKey: .path)
            queueSize = try c.decode(PositiveInt.self, .queueSize, default: 1000)  // defaults and checked numbers
        }
    }

    /// Pure: no files touched here (`sellify check` runs it).
    public static func validate(_ configuration: Configuration) -> [String] {
        configuration.path.isEmpty ? ["path: must not be empty"] : []
    }

    /// May touch files; a `PluginError` stops `serve`, naming `alerts.sinks[i]`.
    public static func makeSink(
        _ configuration: Configuration, context: AlertSinkContext
    ) throws(PluginError) -> any AlertSink {
        let path = context.resolve(configuration.path)
        guard FileManager.default.isWritableFile(atPath: (path as NSString).deletingLastPathComponent) else {
            throw PluginError("file alert sink: cannot write in the folder of '\(path)'")
        }
        return Sink(path: path, queueSize: configuration.queueSize)
    }

    struct Sink: AlertSink {
        let path: String
        let queueSize: Int
        func accepts(_ notification: AlertNotification) -> Bool { true }
        /// Runs on the sink's own thread; retries, if any, are the sink's.
        func deliver(_ notification: AlertNotification, stopping: @Sendable () -> Bool) -> AlertDelivery {
            let alert = notification.alert
            let line =
                "\(notification.status.rawValue) \(alert.condition) \(alert.key) \(alert.severity.rawValue) \(alert.message)\n"
            guard
                let handle = FileHandle(forWritingAtPath: path)
                    ?? (FileManager.default.createFile(atPath: path, contents: nil)
                        ? FileHandle(forWritingAtPath: path) : nil)
            else { return .failed("cannot open \(path)", attempts: 1) }
            defer { try? handle.close() }
            handle.seekToEndOfFile()
            handle.write(Data(line.utf8))
            return .sent
        }
    }
}
