import Logging
import SellifyCore
import SellifyYAML

extension SellifyServer {
    /// A reload from any trigger (API, SIGHUP), audited and logged with its
    /// outcome; a good one is installed in the application layer.
    func reload(trigger: String, logger: Logger) async throws -> Engine.ReloadOutcome {
        let engine = self.engine
        let service = self.service
        let outcome = try await reloadExecutor.run {
            let running = service.snapshot
            let outcome = engine.reload(from: running)
            // Every reload, good or not, is in the audit chain.
            var summary = JSONObjectWriter()
            summary["trigger"] = .string(trigger)
            let version: String
            switch outcome {
            case .reloaded(let snapshot, let changed, _):
                service.install(snapshot)
                summary["result"] = .string("ok")
                summary["changed"] = .bool(changed)
                version = snapshot.rulesVersion
            case .failed(let diagnostics):
                summary["result"] = .string("error")
                summary["diagnostics"] = .array(diagnostics.prefix(20).map { .string($0.description) })
                version = running.rulesVersion
            }
            try? service.appendAudit([
                AuditEntry(
                    kind: "rules_reload", at: service.clock.now(), conversationID: nil, messageID: nil,
                    summary: summary.string,
                    rulesVersion: version)
            ])
            switch outcome {
            case .reloaded(let snapshot, let changed, _):
                service.notify(.rulesReloaded(version: snapshot.rulesVersion, changed: changed))
            case .failed(let diagnostics):
                service.notify(.rulesReloadFailed(diagnostics))
            }
            return outcome
        }
        switch outcome {
        case .reloaded(let snapshot, let changed, let restart):
            logger.notice(
                "rules reloaded",
                metadata: [
                    "trigger": "\(trigger)", "version": "\(snapshot.rulesVersion)", "changed": "\(changed)",
                ])
            if !restart.isEmpty {
                logger.warning(
                    "changed settings need a restart to take effect",
                    metadata: ["settings": "\(restart.joined(separator: ", "))"])
            }
        case .failed(let diagnostics):
            logger.error(
                "rules reload failed; the running rules stay",
                metadata: [
                    "trigger": "\(trigger)", "diagnostics": "\(diagnostics.map(\.description).joined(separator: "; "))",
                ])
        }
        return outcome
    }
}
