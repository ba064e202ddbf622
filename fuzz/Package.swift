// swift-tools-version: 6.0
import PackageDescription

// The libFuzzer harness of PromptmillCore, kept out of the root package so that its plain
// `swift build` and `swift test` never see the fuzzer's entry point. `scripts/fuzz` builds it
// with `--sanitize fuzzer --sanitize address` into its own scratch path and runs it.
let package = Package(
    name: "promptmill-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "promptmill", path: "..")
    ],
    targets: [
        .executableTarget(
            name: "promptmill-fuzz",
            dependencies: [.product(name: "PromptmillCore", package: "promptmill")]
        )
    ],
    swiftLanguageModes: [.v6]
)
