// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "InterviewCoach",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "interview-coach", targets: ["interview-coach"])
    ],
    // The distributed backends are opt-in at build time, so the embedded default builds with the
    // toolchain alone (no libmongoc or hiredis headers): `swift build --traits MongoDB,Redis`
    // (or `--enable-all-traits`) builds them in.
    traits: [
        .trait(name: "MongoDB", description: "MongoDB document stores over libmongoc (libmongoc-dev)."),
        .trait(name: "Redis", description: "Redis Streams job queue and progress bus over hiredis (libhiredis-dev)."),
        .default(enabledTraits: []),
    ],
    dependencies: [
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // SQLite's C API (Debian's libsqlite3-dev).
        .systemLibrary(
            name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),

        // libmongoc (Debian's libmongoc-dev).
        .systemLibrary(
            name: "CMongoC", path: "Sources/CMongoC", pkgConfig: "libmongoc-1.0",
            providers: [.apt(["libmongoc-dev"])]),

        // hiredis (Debian's libhiredis-dev).
        .systemLibrary(
            name: "CHiredis", path: "Sources/CHiredis", pkgConfig: "hiredis",
            providers: [.apt(["libhiredis-dev"])]),

        // Generated from Protos/ by scripts/generate-protos; committed.
        .target(
            name: "CoachProtos",
            dependencies: [
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
            ]),

        // The domain: resume, generation and task types, validation and its text rules, errors,
        // paging. Standard library and Foundation only: no transport.
        .target(name: "CoachCore"),

        // The wire layer: domain types ⇄ protobuf messages, and the gRPC status of an error.
        .target(
            name: "CoachWire",
            dependencies: [
                "CoachCore", "CoachProtos",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]),

        // Generation: rules and validator (with the resume facts and technology catalogue they
        // use), prompts, output parsing, the provider seam and registry.
        .target(
            name: "CoachLLM",
            dependencies: [
                "CoachCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            // The templates are compiled in (Generated/EmbeddedPrompts.swift, scripts/embed-resources).
            exclude: ["Prompts"]),

        // Interview practice: sessions, follow-ups and reports over an answer evaluator. No transport.
        .target(name: "CoachPractice", dependencies: ["CoachCore", "CoachLLM", "CoachStore", "CoachGeneration"]),

        // The offline `builtin` provider: question banks, learning catalogue, composers, and the
        // rubric's offline answer evaluator.
        .target(name: "CoachBuiltin", dependencies: ["CoachCore", "CoachLLM"]),

        // HTTP clients of the real providers: OpenAI, Anthropic, Gemini, OpenAI-compatible.
        .target(
            name: "CoachLLMProviders",
            dependencies: [
                "CoachCore", "CoachLLM", "CoachBuiltin",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // Document-store protocols and the embedded SQLite implementation.
        .target(
            name: "CoachStore",
            dependencies: [
                "CoachCore", "CSQLite",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // MongoDB implementations of the store protocols, over libmongoc.
        .target(
            name: "CoachMongo",
            dependencies: [
                "CoachCore", "CoachStore", "CMongoC",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // API keys (codec, verification with a short cache), per-key limits and the rate-limiter
        // seam with its in-process implementation, key administration. No transport.
        .target(
            name: "CoachAccess",
            dependencies: [
                "CoachCore", "CoachStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // The gRPC side of access control: the interceptor every server runs and AdminService.
        .target(
            name: "AccessService",
            dependencies: [
                "CoachCore", "CoachAccess", "CoachWire", "CoachProtos",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]),

        // Job queue and progress bus protocols with their in-process implementations.
        .target(name: "CoachJobs", dependencies: ["CoachCore"]),

        // OpenTelemetry traces: the tracer (head sampling, W3C Trace Context), spans and their
        // OTLP/HTTP export, configured by the standard OTEL_* variables.
        .target(
            name: "CoachTracing",
            dependencies: [
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),

        // Redis implementations of the job queue and progress bus, over hiredis.
        .target(
            name: "CoachRedis",
            dependencies: [
                "CoachCore", "CoachJobs", "CoachAccess", "CHiredis",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // The interview and learning use cases (generate, read, start and follow tasks, purge),
        // their kinds and the resume lookup seam. No transport.
        .target(
            name: "CoachGeneration",
            dependencies: [
                "CoachCore", "CoachLLM", "CoachStore", "CoachJobs",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]),

        // The gRPC services over the generation use cases (InterviewService, LearningService,
        // TaskService, ProviderService) and the gRPC side of its seams.
        .target(
            name: "GenerationService",
            dependencies: [
                "CoachCore", "CoachWire", "CoachGeneration", "CoachLLM", "CoachProtos",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]),

        // The gRPC service of interview practice (answer evaluation) over CoachPractice.
        .target(
            name: "PracticeService",
            dependencies: [
                "CoachCore", "CoachPractice", "CoachGeneration", "CoachStore", "CoachWire", "CoachProtos",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]),

        // Runs background generation jobs.
        .target(
            name: "CoachWorker",
            dependencies: [
                "CoachCore", "CoachStore", "CoachJobs", "CoachLLM", "CoachGeneration", "CoachTracing",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]),

        // gRPC ResumeService: thin handlers over the domain and the store.
        .target(
            name: "ResumeService",
            dependencies: [
                "CoachCore", "CoachWire", "CoachStore", "CoachProtos",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
            ]),

        // What connects the processes: health service, address lists, clients and servers over HTTP/2.
        .target(
            name: "CoachMesh",
            dependencies: [
                "CoachCore", "CoachProtos", "CoachTracing",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]),

        // Hummingbird REST + SSE gateway translating to gRPC.
        .target(
            name: "CoachEdge",
            dependencies: [
                "CoachCore", "CoachWire", "CoachProtos", "CoachTracing",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            // The pages are compiled in (Generated/EmbeddedPages.swift, scripts/embed-resources).
            exclude: ["Resources"]),

        // The assembly of a process: its configuration (flags + environment, read once), its
        // backends, and the service graph built from role × backends × transport. `serve` and
        // the tests build processes through it.
        .target(
            name: "CoachServer",
            dependencies: [
                "CoachCore", "CoachStore", "CoachJobs", "CoachLLM", "CoachBuiltin", "CoachGeneration", "CoachPractice", "GenerationService",
                "ResumeService",
                "CoachWorker", "CoachMesh", "CoachEdge", "CoachProtos", "CoachWire", "CoachAccess", "AccessService", "PracticeService",
                "CoachTracing",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]),

        .executableTarget(
            name: "interview-coach",
            dependencies: [
                "CoachCore", "CoachWire", "CoachMesh", "CoachProtos", "CoachLLM", "CoachLLMProviders", "CoachJobs", "CoachServer",
                .target(name: "CoachMongo", condition: .when(traits: ["MongoDB"])),
                .target(name: "CoachRedis", condition: .when(traits: ["Redis"])),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]),

        // Load generators and the bare ceiling server for bench/run-all (bench/README.md).
        .executableTarget(
            name: "coach-bench",
            dependencies: [
                "CoachCore", "CoachMesh", "CoachProtos", "CoachServer", "CoachStore", "CoachBuiltin", "CoachLLM",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "bench/Sources/coach-bench"),

        .testTarget(name: "CoachCoreTests", dependencies: ["CoachCore"]),
        .testTarget(name: "CoachPracticeTests", dependencies: ["CoachPractice", "CoachBuiltin", "CoachLLM", "CoachCore"]),
        .testTarget(
            name: "PracticeServiceTests",
            dependencies: [
                "PracticeService", "CoachPractice", "CoachGeneration", "CoachBuiltin", "CoachLLM", "CoachJobs", "CoachProtos",
                "CoachStoreTesting", "CoachStore", "CoachCore",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "CoachAccessTests",
            dependencies: ["CoachAccess", "CoachStore", "CoachCore", .product(name: "Logging", package: "swift-log")]),
        .testTarget(
            name: "AccessServiceTests",
            dependencies: [
                "AccessService", "CoachAccess", "ResumeService", "CoachMesh", "CoachWire", "CoachProtos", "CoachStore", "CoachStoreTesting",
                "CoachCore",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "ResumeServiceTests",
            dependencies: ["ResumeService", "CoachStoreTesting", "CoachStore", "CoachCore", .product(name: "Logging", package: "swift-log")]),
        .testTarget(
            name: "CoachGenerationTests",
            dependencies: [
                "CoachGeneration", "CoachBuiltin", "CoachLLM", "CoachJobs", "CoachStoreTesting", "CoachStore", "CoachCore",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "GenerationServiceTests",
            dependencies: [
                "GenerationService", "CoachGeneration", "CoachWire", "CoachProtos", "CoachBuiltin", "CoachLLM", "CoachJobs",
                "CoachStoreTesting", "CoachStore", "CoachCore",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "CoachWorkerTests",
            dependencies: [
                "CoachWorker", "CoachGeneration", "CoachBuiltin", "CoachLLM", "CoachJobs", "CoachStoreTesting", "CoachStore", "CoachCore",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "CoachServerTests",
            dependencies: [
                "CoachServer", "CoachBuiltin", "CoachLLM", "CoachStore", "CoachJobs", "CoachCore", .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio"),
            ]),
        .testTarget(
            name: "CoachWireTests",
            dependencies: ["CoachWire", "CoachCore", .product(name: "GRPCCore", package: "grpc-swift-2")]),
        .testTarget(
            name: "CoachLLMTests", dependencies: ["CoachLLM", "CoachBuiltin", "CoachCore", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "CoachBuiltinTests", dependencies: ["CoachBuiltin", "CoachLLM", "CoachCore"]),
        .testTarget(
            name: "CoachLLMProvidersTests",
            dependencies: [
                "CoachLLMProviders", "CoachLLM", "CoachCore",
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]),
        // Backends under test and sample values, shared by the store test targets.
        .target(
            name: "CoachStoreTesting",
            dependencies: [
                "CoachStore", "CoachCore", "CoachGeneration",
                .target(name: "CoachMongo", condition: .when(traits: ["MongoDB"])),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/CoachStoreTesting"),
        .testTarget(
            name: "CoachMongoTests",
            dependencies: [
                "CoachStoreTesting", "CoachCore",
                .target(name: "CoachMongo", condition: .when(traits: ["MongoDB"])),
                .target(name: "CMongoC", condition: .when(traits: ["MongoDB"])),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "CoachTracingTests",
            dependencies: [
                "CoachTracing", .product(name: "Tracing", package: "swift-distributed-tracing"), .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(name: "CoachJobsTests", dependencies: ["CoachJobsTesting", "CoachJobs", "CoachCore"]),
        .testTarget(
            name: "CoachMeshTests",
            dependencies: [
                "CoachMesh", "CoachProtos",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // Queues and buses under test and sample values, shared by the job test targets.
        .target(
            name: "CoachJobsTesting",
            dependencies: [
                "CoachJobs", "CoachCore",
                .target(name: "CoachRedis", condition: .when(traits: ["Redis"])),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/CoachJobsTesting"),
        .testTarget(
            name: "CoachRedisTests",
            dependencies: [
                "CoachJobsTesting", "CoachJobs", "CoachCore", "CoachAccess",
                .target(name: "CoachRedis", condition: .when(traits: ["Redis"])),
            ]),
        .testTarget(
            name: "CoachStoreTests",
            dependencies: ["CoachStoreTesting", "CoachStore", "CoachCore", .product(name: "Logging", package: "swift-log")]),
        .testTarget(
            name: "CoachEdgeTests",
            dependencies: [
                "CoachEdge", "CoachServer", "CoachMesh", "CoachStore", "CoachCore", "CoachLLM", "CoachBuiltin", "CoachWire",
                "CoachProtos",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
