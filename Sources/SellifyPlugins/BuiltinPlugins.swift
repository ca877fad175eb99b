import SellifyAIAnthropic
import SellifyAIOpenAI
import SellifyAITemplate
import SellifyAlertLog
import SellifyAlertWebhook
public import SellifyCore
import SellifyExporterHTTP
import SellifyExporterStdout
import SellifyExporterTextfile
import SellifyStore
import SellifyStorePostgres

extension PluginCatalog {
    /// Every plugin this build ships — the one list (see plugins/README.md).
    /// Adding a plugin: its folder, one line here, and Package.swift.
    public static let builtin = PluginCatalog([
        HTTPExporter.self,
        TextfileExporter.self,
        StdoutExporter.self,
        LogAlertSink.self,
        WebhookAlertSink.self,
        TemplateProvider.self,
        OpenAIProviderPlugin.self,
        AnthropicProviderPlugin.self,
        SQLiteStorePlugin.self,
        PostgresStorePlugin.self,
    ])
}
