import SellifyAITemplate
import SellifyAlertLog
import SellifyCore
import SellifyExporterHTTP
import SellifyExporterStdout
import SellifyExporterTextfile

/// Every plugin this binary ships — the one list (see plugins/README.md).
let pluginCatalog = PluginCatalog([
    HTTPExporter.self,
    TextfileExporter.self,
    StdoutExporter.self,
    LogAlertSink.self,
    TemplateProvider.self,
])
