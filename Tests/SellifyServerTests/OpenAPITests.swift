import Foundation
import Logging
import SellifyCore
import SellifyMetrics
import SellifyPlugins
import SellifyServer
import SellifyStore
import SellifyTestSupport
import SellifyYAML
import Testing

/// openapi.yaml and the router describe the same API.
struct OpenAPITests {
    func specOperations() throws -> Set<String> {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("openapi.yaml"), encoding: .utf8)
        let root = try YAMLParser.parse(text, file: "openapi.yaml", environment: [:])
        guard let root, case .mapping(let top) = root.kind,
            let paths = top.first(where: { $0.key.scalar == "paths" })?.value,
            case .mapping(let entries) = paths.kind
        else {
            Issue.record("openapi.yaml has no paths mapping")
            return []
        }
        var operations: Set<String> = []
        for (path, item) in entries {
            guard case .mapping(let methods) = item.kind else { continue }
            for (method, _) in methods {
                operations.insert("\(method.scalar!.uppercased()) \(path.scalar!)")
            }
        }
        return operations
    }

    func routerOperations() throws -> Set<String> {
        let deployment = try Deployment.load(
            configPath: repositoryRoot.appendingPathComponent("config.yaml").path, plugins: .builtin, environment: [:],
            poolSize: 1)
        let server = try SellifyServer(
            deployment: deployment, configPath: "config.yaml", store: try SQLiteStore.inMemory(),
            metrics: SellifyMetrics(),
            keys: APIKeyRing(entries: []), options: .init(),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        return Set(server.routes.map(\.operation))
    }

    @Test func everyRouteIsInTheSpecAndEveryOperationIsARoute() throws {
        let spec = try specOperations()
        let router = try routerOperations()
        #expect(router.count == 15)
        #expect(router.subtracting(spec).sorted() == [], "routes missing from openapi.yaml")
        #expect(spec.subtracting(router).sorted() == [], "operations in openapi.yaml that no route serves")
    }

    @Test func servedDocumentIsTheFileInTheRepository() throws {
        let file = try String(contentsOf: repositoryRoot.appendingPathComponent("openapi.yaml"), encoding: .utf8)
        let server = try ServerProcess(try ServerDeployment())
        defer { server.stop() }
        let served = try server.client.request("GET", "/openapi.yaml")
        #expect(served.text == file, "run scripts/embed-openapi.sh after editing openapi.yaml")
        #expect(served.header("Content-Type") == "application/yaml; charset=utf-8")
    }
}
