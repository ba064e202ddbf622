// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "promptmill",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "promptmill", targets: ["promptmill"]),
        .library(name: "PromptmillCore", targets: ["PromptmillCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-async-algorithms", from: "1.1.4"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .target(
            name: "PromptmillTokenizer",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            resources: [.copy("Resources/cl100k_base.tiktoken"), .copy("Resources/o200k_base.tiktoken")]
        ),
        .target(
            name: "PromptmillCore",
            dependencies: [
                "CZlib",
                "PromptmillTokenizer",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Resources/openai-models.json"), .copy("Resources/openai-models.source.json")]
        ),
        // PostgreSQL for many workers (issue 16), kept out of PromptmillCore so the core stays
        // light (scripts/fuzz builds it with sanitizers).
        .target(
            name: "PromptmillPostgres",
            dependencies: [
                "PromptmillCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // `run --metrics`: Prometheus text at /metrics over a small NIO HTTP server, kept out of
        // PromptmillCore (like PostgreSQL) so the core stays light; the core only reports to a
        // `RunWatcher`.
        .target(
            name: "PromptmillMetrics",
            dependencies: [
                "PromptmillCore",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .target(
            name: "PromptmillSimulator",
            dependencies: [
                "PromptmillCore",
                "PromptmillTokenizer",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "PromptmillTesting",
            dependencies: [
                "PromptmillCore", "PromptmillSimulator",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "promptmill",
            dependencies: [
                "PromptmillCore",
                "PromptmillMetrics",
                "PromptmillPostgres",
                "PromptmillSimulator",
                "PromptmillTokenizer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "promptmill-bench",
            dependencies: ["PromptmillCore", "PromptmillPostgres", "PromptmillTokenizer", "PromptmillSimulator"]
        ),
        .testTarget(
            name: "PromptmillCoreTests",
            dependencies: [
                "PromptmillCore", "PromptmillMetrics", "PromptmillPostgres", "PromptmillTesting", "PromptmillSimulator",
                "PromptmillTokenizer",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            resources: [.copy("Fixtures/release-0.1"), .copy("Fixtures/openai")]
        ),
        .testTarget(
            name: "PromptmillPostgresTests",
            dependencies: ["PromptmillPostgres", "PromptmillCore", "PromptmillTesting", "PromptmillSimulator"]
        ),
        .testTarget(
            name: "PromptmillSimulatorTests",
            dependencies: ["PromptmillSimulator", "PromptmillCore", "PromptmillTesting", "PromptmillTokenizer"]
        ),
        .testTarget(
            name: "PromptmillTokenizerTests",
            dependencies: ["PromptmillTokenizer"],
            resources: [.copy("Resources/token-vectors.jsonl")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
