import AsyncHTTPClient
import CoachWorker
import GRPCCore
import ServiceLifecycle

/// Runs a gRPC server inside a `ServiceGroup`, draining in-flight calls on graceful shutdown.
public struct GRPCServerService<Transport: ServerTransport>: Service {
    let server: GRPCServer<Transport>

    public init(server: GRPCServer<Transport>) { self.server = server }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await server.serve()
        } onGracefulShutdown: {
            server.beginGracefulShutdown()
        }
    }
}

/// Runs a gRPC client's connections inside a `ServiceGroup`.
public struct GRPCClientService<Transport: ClientTransport>: Service {
    let client: GRPCClient<Transport>

    public init(client: GRPCClient<Transport>) { self.client = client }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await client.runConnections()
        } onGracefulShutdown: {
            client.beginGracefulShutdown()
        }
    }
}

/// Runs the background worker: first re-queues what a previous process left unfinished, then
/// consumes jobs until shutdown (interrupted jobs stay unfinished and run again next start).
public struct WorkerService: Service {
    let runner: JobRunner
    let recoverOnStart: Bool

    public init(runner: JobRunner, recoverOnStart: Bool) {
        self.runner = runner
        self.recoverOnStart = recoverOnStart
    }

    public func run() async throws {
        if recoverOnStart { _ = try await runner.recoverUnfinished() }
        await cancelWhenGracefulShutdown {
            await runner.run()
        }
    }
}

/// Owns the providers' HTTP client: it lives as long as the process serves and is shut down
/// (its connections closed) after the workers that use it have stopped.
public struct HTTPClientService: Service {
    let client: HTTPClient

    public init(client: HTTPClient) { self.client = client }

    public func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
