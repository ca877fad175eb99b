import Foundation
import Hummingbird
import Logging
import SellifyCore
import SellifyExporterHTTP
import SellifyExporterStdout
import SellifyExporterTextfile
import SellifyMetrics
import ServiceLifecycle

/// A push exporter (textfile, stdout) as a service: writes at start, every
/// `interval`, and once more on graceful shutdown, so the last numbers of a
/// stopping server are not lost.
struct PeriodicExporter: Service {
    let name: String
    let interval: Duration
    let sink: any ExpositionSink
    let metrics: SellifyMetrics
    let logger: Logger

    func run() async throws {
        write()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                break
            }
            write()
        }
        write()
        logger.debug("exporter stopped after its final write", metadata: ["exporter": "\(name)"])
    }

    func write() {
        do {
            try sink.write(metrics.exposition())
        } catch {
            logger.error("metrics exporter failed", metadata: ["exporter": "\(name)", "error": "\(error)"])
        }
    }
}

/// The exporters chosen in `metrics.exporters`, built: push services, and
/// where `/metrics` is served (the API listener and/or own listeners).
struct ExporterSet {
    var services: [any Service] = []
    var metricsOnAPIListener = false
    var metricsListeners: [(host: String, port: Int)] = []

    /// Fails (naming the exporter and what is wrong) when one cannot start,
    /// e.g. a textfile directory that is missing or not writable.
    static func build(
        _ selections: [PluginSelection], loaded: LoadedConfiguration, metrics: SellifyMetrics, logger: Logger
    ) throws(ExporterError) -> ExporterSet {
        var set = ExporterSet()
        for (index, selection) in selections.enumerated() {
            let path = "metrics.exporters[\(index)]"
            do {
                switch selection.type {
                case HTTPExporter.id.name:
                    let configuration = try PluginCatalog.configuration(
                        of: HTTPExporter.self, selection, file: loaded.path, path: path)
                    if let listen = configuration.listen, let colon = listen.lastIndex(of: ":"),
                       let port = Int(listen[listen.index(after: colon)...])
                    {
                        set.metricsListeners.append((String(listen[..<colon]), port))
                    } else {
                        set.metricsOnAPIListener = true
                    }
                case TextfileExporter.id.name:
                    let configuration = try PluginCatalog.configuration(
                        of: TextfileExporter.self, selection, file: loaded.path, path: path)
                    let sink = try TextfileSink(
                        configuration: configuration, resolvedDirectory: loaded.resolve(configuration.directory))
                    set.services.append(PeriodicExporter(
                        name: "textfile:\(sink.path)", interval: .milliseconds(configuration.interval.milliseconds),
                        sink: sink, metrics: metrics, logger: logger))
                case StdoutExporter.id.name:
                    let configuration = try PluginCatalog.configuration(
                        of: StdoutExporter.self, selection, file: loaded.path, path: path)
                    set.services.append(PeriodicExporter(
                        name: "stdout", interval: .milliseconds(configuration.interval.milliseconds), sink: StdoutSink(),
                        metrics: metrics, logger: logger))
                default:
                    throw ExporterError("\(path).type: unknown exporter '\(selection.type)'")
                }
            } catch let error as ExporterError {
                throw ExporterError("\(path): \(error.message)")
            } catch {
                throw ExporterError("\(path): \(error)")
            }
        }
        return set
    }
}
