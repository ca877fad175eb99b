public import Foundation

/// The repository root, found from this file's path (Tests/SellifyTestSupport/…).
public let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
