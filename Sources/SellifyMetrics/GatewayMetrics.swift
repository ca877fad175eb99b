import Prometheus
public import SellifyCore

/// The AI gateway's metrics hook: requests by provider and status, their
/// duration, tokens, re-asks, fallbacks and each provider's circuit state.
public struct GatewayMetrics: AIGatewayObserver {
    let metrics: SellifyMetrics
    public init(metrics: SellifyMetrics) { self.metrics = metrics }

    public func requested(provider: String, status: String, duration: Duration, completion: Completion?) {
        metrics.counter(MetricCatalog.aiRequests, provider, status).increment()
        guard status != "circuit_open" && status != "busy" else { return }
        let (seconds, attoseconds) = duration.components
        metrics.histogram(MetricCatalog.aiGenerationDuration, provider).record(
            Double(seconds) + Double(attoseconds) / 1e18)
        if let tokens = completion?.promptTokens, tokens > 0 {
            metrics.counter(MetricCatalog.aiTokens, provider, "prompt").increment(by: Int64(tokens))
        }
        if let tokens = completion?.completionTokens, tokens > 0 {
            metrics.counter(MetricCatalog.aiTokens, provider, "completion").increment(by: Int64(tokens))
        }
    }

    public func circuitChanged(provider: String, to state: CircuitBreaker.State) {
        metrics.gauge(MetricCatalog.aiCircuitState, provider).set(to: Double(state.gaugeValue))
    }

    public func reasked(provider: String) {
        metrics.counter(MetricCatalog.aiReasks, provider).increment()
    }

    public func fellBack(reason: String) {
        metrics.counter(MetricCatalog.aiFallbacks, reason).increment()
    }
}
