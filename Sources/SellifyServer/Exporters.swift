import Logging
import SellifyCore
import SellifyMetrics
import SellifyPluginKit
import ServiceLifecycle

/// The exporters chosen in `metrics.exporters`, built by their plugins: the
/// services to run, and whether the API listener serves `/metrics`.
struct ExporterSet {
    var services: [any Service] = []
    var metricsOnAPIListener = false

    /// Fails (naming the exporter and what is wrong) when one cannot start,
    /// e.g. a textfile directory that is missing or not writable.
    static func build(
        _ selections: [PluginSelection], loaded: LoadedConfiguration, plugins: PluginCatalog, metrics: SellifyMetrics,
        logger: Logger
    ) throws(ExporterError) -> ExporterSet {
        var set = ExporterSet()
        do {
            for exporter in try plugins.makeExporters(selections, loaded: loaded, metrics: metrics, logger: logger) {
                set.services += exporter.services
                set.metricsOnAPIListener = set.metricsOnAPIListener || exporter.servesAPIListener
            }
        } catch {
            throw ExporterError(error.message)
        }
        return set
    }
}
