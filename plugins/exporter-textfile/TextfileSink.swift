import Foundation
public import SellifyMetrics

/// Writes `<directory>/<name>.prom` for node_exporter's textfile collector:
/// the text goes to a temporary file in the same directory (a name not ending
/// in `.prom`, so the collector never reads it), is fsynced, then renamed over
/// the target. A reader sees the old file or the new one, never a torn or
/// empty one (node_exporter silently drops those).
public struct TextfileSink: ExpositionSink {
    public let directory: String
    public let name: String

    /// Checks at start that the directory exists and is writable.
    public init(directory: String, name: String) throws(ExporterError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw ExporterError("textfile exporter: directory '\(directory)' does not exist")
        }
        guard isDirectory.boolValue else {
            throw ExporterError("textfile exporter: '\(directory)' is not a directory")
        }
        guard access(directory, W_OK) == 0 else {
            throw ExporterError("textfile exporter: directory '\(directory)' is not writable")
        }
        self.directory = directory
        self.name = name
    }

    public init(configuration: TextfileExporter.Configuration, resolvedDirectory: String) throws(ExporterError) {
        try self.init(directory: resolvedDirectory, name: configuration.name)
    }

    public var path: String { (directory as NSString).appendingPathComponent("\(name).prom") }

    public func write(_ exposition: String) throws(ExporterError) {
        let temporary = (directory as NSString).appendingPathComponent(".\(name).prom.\(getpid()).tmp")
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("create", temporary) }
        var bytes = Array(exposition.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes {
                Foundation.write(fd, $0.baseAddress! + offset, $0.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                let error = failure("write", temporary)
                close(fd)
                unlink(temporary)
                throw error
            }
            offset += written
        }
        bytes.removeAll()
        guard fsync(fd) == 0 else {
            let error = failure("fsync", temporary)
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let error = failure("rename", temporary)
            unlink(temporary)
            throw error
        }
    }

    private func failure(_ operation: String, _ file: String) -> ExporterError {
        ExporterError("textfile exporter: \(operation) '\(file)': \(String(cString: strerror(errno)))")
    }
}
