import CoachCore
import CoachLLM
import Foundation

// Strength topics for languages, frameworks, platforms and tooling.
extension BuiltinLearningCatalogue {
    static let codeTopics: [BuiltinLearningTopic] = [
        topic(
            "go.concurrency", ["go"], keywords: ["go", "golang", "concurrency", "동시성", "backend", "백엔드"],
            hours: 18, link: "https://go.dev/doc/effective_go",
            ko: (
                "{tech} 동시성 패턴: context, 채널, errgroup과 race detector",
                "context 기반 취소·타임아웃 전파, 파이프라인·팬아웃 패턴, errgroup, 고루틴 누수 방지와 race detector 사용법을 학습하고 기존 코드의 동시성 부분을 리팩터링합니다. 결과: 고루틴 관련 장애와 그 예방책을 구체적으로 설명할 수 있습니다.",
                ["Effective Go", "Go Blog: Go Concurrency Patterns: Pipelines and cancellation", "Go 공식 문서: Data Race Detector"]),
            en: (
                "{tech} concurrency patterns: context, channels, errgroup and the race detector",
                "Learn context-based cancellation and timeouts, pipeline and fan-out patterns, errgroup, avoiding goroutine leaks and using the race detector, then refactor the concurrent parts of your code. Outcome: you can explain goroutine-related failures and how to prevent them.",
                ["Effective Go", "Go Blog: Go Concurrency Patterns: Pipelines and cancellation", "Go documentation: Data Race Detector"])),
        topic(
            "go.diagnostics", ["go"], keywords: ["go", "golang", "performance", "성능", "profiling", "프로파일링"],
            hours: 14, link: "https://go.dev/doc/diagnostics",
            ko: (
                "{tech} 프로파일링: pprof와 실행 추적으로 성능 개선",
                "pprof CPU·힙·블록 프로파일, 실행 추적(trace), 벤치마크 작성법을 학습하고 서비스의 핫스팟을 찾아 개선 전후를 비교합니다. 결과: 성능 개선을 측정 근거와 함께 설명할 수 있습니다.",
                ["Go 공식 문서: Diagnostics", "Go Blog: Profiling Go Programs"]),
            en: (
                "{tech} profiling: pprof and execution traces",
                "Learn pprof CPU, heap and block profiles, execution traces and writing benchmarks, then find and fix a hotspot in your service with before/after numbers. Outcome: you can back performance claims with measurements.",
                ["Go documentation: Diagnostics", "Go Blog: Profiling Go Programs"])),
        topic(
            "python.asyncio", ["python", "fastapi"], keywords: ["python", "async", "비동기", "concurrency", "동시성", "backend", "백엔드"],
            hours: 18, link: "https://docs.python.org/3/library/asyncio.html",
            ko: (
                "{tech} asyncio와 동시성 모델 심화",
                "이벤트 루프, 코루틴과 태스크, 취소·타임아웃, GIL과 스레드·프로세스 선택 기준을 학습하고 I/O 위주 작업을 비동기로 바꿔 처리량을 측정합니다. 결과: 파이썬 서비스의 동시성 선택을 근거와 함께 설명할 수 있습니다.",
                ["Python 공식 문서: asyncio", "Python 공식 문서: concurrent.futures", "Fluent Python 2판 19–21장"]),
            en: (
                "{tech} asyncio and the concurrency model in depth",
                "Learn the event loop, coroutines and tasks, cancellation and timeouts, and when the GIL makes threads or processes the right choice, then convert I/O-bound work to async and measure throughput. Outcome: you can justify concurrency choices for Python services.",
                ["Python documentation: asyncio", "Python documentation: concurrent.futures", "Fluent Python, 2nd ed., chapters 19–21"])),
        topic(
            "python.typing", ["python", "django", "flask", "fastapi"], keywords: ["python", "typing", "타입", "code quality", "코드 품질"],
            hours: 12, link: "https://docs.python.org/3/library/typing.html",
            ko: (
                "{tech} 타입 힌트와 정적 분석으로 견고한 코드 만들기",
                "typing 모듈(제네릭, Protocol, TypedDict), mypy 엄격 모드, 린터 구성을 학습하고 기존 프로젝트에 점진적으로 적용해 잡힌 버그를 기록합니다. 결과: 코드 품질을 도구와 근거로 설명할 수 있습니다.",
                ["Python 공식 문서: typing", "mypy 공식 문서", "Ruff 공식 문서"]),
            en: (
                "Robust {tech} with type hints and static analysis",
                "Learn the typing module (generics, Protocol, TypedDict), mypy strict mode and linter setup, apply them incrementally to a project and record the bugs they catch. Outcome: you can discuss code quality with tools and evidence.",
                ["Python documentation: typing", "mypy documentation", "Ruff documentation"])),
        topic(
            "jvm.runtime", ["java", "kotlin", "scala", "springboot"], keywords: ["java", "jvm", "gc", "performance", "성능"],
            hours: 20, link: "https://docs.oracle.com/en/java/javase/21/gctuning/introduction-garbage-collection-tuning.html",
            ko: (
                "{tech} 런타임 심화: JVM 메모리, GC 튜닝, 프로파일링",
                "힙 구조와 G1·ZGC 동작, GC 로그 분석, JFR·async-profiler를 이용한 프로파일링을 학습하고 서비스의 지연 꼬리(p99)를 GC 관점에서 분석합니다. 결과: JVM 성능 문제를 측정 기반으로 설명할 수 있습니다.",
                ["Oracle 공식 문서: HotSpot GC Tuning Guide", "JDK Flight Recorder 문서", "Java Performance 2판 (Scott Oaks)"]),
            en: (
                "{tech} runtime in depth: JVM memory, GC tuning and profiling",
                "Learn heap layout, how G1 and ZGC work, reading GC logs, and profiling with JFR and async-profiler, then analyse your service's p99 latency tail from the GC angle. Outcome: you can explain JVM performance issues from measurements.",
                ["Oracle documentation: HotSpot GC Tuning Guide", "JDK Flight Recorder documentation", "Java Performance, 2nd ed. (Scott Oaks)"])),
        topic(
            "kotlin.coroutines", ["kotlin", "ktor"], keywords: ["kotlin", "coroutines", "코루틴", "concurrency", "동시성"],
            hours: 14, link: "https://kotlinlang.org/docs/coroutines-overview.html",
            ko: (
                "{tech} 코루틴과 구조적 동시성",
                "구조적 동시성, 디스패처, 취소와 예외 전파, Flow를 학습하고 블로킹 호출을 코루틴으로 바꿔 처리량을 비교합니다. 결과: 코루틴 기반 서비스의 동시성 설계를 설명할 수 있습니다.",
                ["Kotlin 공식 문서: Coroutines", "Kotlin 공식 문서: Asynchronous Flow"]),
            en: (
                "{tech} coroutines and structured concurrency",
                "Learn structured concurrency, dispatchers, cancellation and exception propagation, and Flow, then replace blocking calls with coroutines and compare throughput. Outcome: you can explain the concurrency design of a coroutine-based service.",
                ["Kotlin documentation: Coroutines", "Kotlin documentation: Asynchronous Flow"])),
        topic(
            "typescript.types", ["typescript"], keywords: ["typescript", "types", "타입", "frontend", "프론트엔드", "fullstack", "풀스택"],
            hours: 12, link: "https://www.typescriptlang.org/docs/handbook/2/types-from-types.html",
            ko: (
                "{tech} 고급 타입으로 API 계약을 코드에 담기",
                "제네릭, 조건부·매핑 타입, 판별 유니온, 런타임 검증(zod 등)과 타입 공유 전략을 학습하고 프론트엔드와 API 사이의 계약을 타입으로 강제합니다. 결과: 타입으로 버그를 예방한 설계를 설명할 수 있습니다.",
                ["TypeScript 공식 핸드북: Creating Types from Types", "Effective TypeScript (Dan Vanderkam)"]),
            en: (
                "Encode API contracts with advanced {tech} types",
                "Learn generics, conditional and mapped types, discriminated unions, runtime validation (e.g. zod) and type-sharing strategies, then enforce the contract between frontend and API with types. Outcome: you can explain designs where types prevent bugs.",
                ["TypeScript Handbook: Creating Types from Types", "Effective TypeScript (Dan Vanderkam)"])),
        topic(
            "node.eventloop", ["nodejs", "javascript", "express", "nestjs"], keywords: ["node", "javascript", "event loop", "이벤트 루프", "performance", "성능"],
            hours: 12, link: "https://nodejs.org/en/learn/asynchronous-work/event-loop-timers-and-nexttick",
            ko: (
                "{tech} 이벤트 루프와 비동기 성능",
                "이벤트 루프 단계, 마이크로태스크, 블로킹 코드 탐지, worker_threads와 스트림 백프레셔를 학습하고 CPU 작업이 지연에 주는 영향을 측정합니다. 결과: Node.js 서버의 지연 원인을 구조적으로 설명할 수 있습니다.",
                ["Node.js 공식 가이드: The Node.js Event Loop", "Node.js 공식 가이드: Don't Block the Event Loop"]),
            en: (
                "{tech} event loop and async performance",
                "Learn the event-loop phases, microtasks, detecting blocking code, worker_threads and stream backpressure, and measure how CPU work affects latency. Outcome: you can explain latency causes in a Node.js server structurally.",
                ["Node.js guide: The Node.js Event Loop", "Node.js guide: Don't Block the Event Loop"])),
        topic(
            "react.rendering", ["react", "nextjs", "reactnative"], keywords: ["react", "frontend", "프론트엔드", "rendering", "렌더링", "performance", "성능"],
            hours: 14, link: "https://react.dev/learn/render-and-commit",
            ko: (
                "{tech} 렌더링 최적화: 렌더 주기, 메모이제이션, 코드 분할",
                "렌더·커밋 단계, memo·useMemo·useCallback의 올바른 사용, 리스트 가상화, 코드 분할과 Profiler 사용법을 학습하고 화면 하나의 렌더 시간을 측정해 줄입니다. 결과: 프론트엔드 성능 개선을 수치로 설명할 수 있습니다.",
                ["React 공식 문서: Render and Commit", "React 공식 문서: memo", "web.dev: Core Web Vitals"]),
            en: (
                "{tech} rendering performance: render cycle, memoisation, code splitting",
                "Learn the render and commit phases, when memo, useMemo and useCallback actually help, list virtualisation, code splitting and the Profiler, then measure and cut the render time of one screen. Outcome: you can present frontend performance work with numbers.",
                ["React documentation: Render and Commit", "React documentation: memo", "web.dev: Core Web Vitals"])),
        topic(
            "nestjs.architecture", ["nestjs"], keywords: ["nestjs", "architecture", "아키텍처", "backend", "백엔드"],
            hours: 14, link: "https://docs.nestjs.com/",
            ko: (
                "{tech} 아키텍처: 모듈 경계, 인터셉터, 테스트 가능한 설계",
                "모듈·프로바이더 경계, 가드·인터셉터·파이프, 트랜잭션 처리, 테스트 모듈을 이용한 통합 테스트를 학습하고 기존 API 한 영역을 재구성합니다. 결과: 백엔드 구조 설계 결정을 설명할 수 있습니다.",
                ["NestJS 공식 문서", "NestJS 공식 문서: Testing"]),
            en: (
                "{tech} architecture: module boundaries, interceptors and testable design",
                "Learn module and provider boundaries, guards, interceptors and pipes, transaction handling and integration tests with the testing module, then restructure one area of your API. Outcome: you can explain backend structure decisions.",
                ["NestJS documentation", "NestJS documentation: Testing"])),
        topic(
            "spring.operations", ["springboot", "spring", "jpa"], keywords: ["spring", "java", "backend", "백엔드", "transaction", "트랜잭션"],
            hours: 20, link: "https://docs.spring.io/spring-boot/index.html",
            ko: (
                "{tech} 운영 심화: 트랜잭션 경계, 커넥션 풀, Actuator",
                "@Transactional 전파와 격리, JPA N+1과 지연 로딩, HikariCP 튜닝, Actuator·Micrometer 지표를 학습하고 서비스의 트랜잭션 경계를 점검합니다. 결과: 스프링 서비스의 성능·정합성 문제를 구체적으로 설명할 수 있습니다.",
                ["Spring Boot 공식 문서", "Spring Framework 공식 문서: Transaction Management", "HikariCP 위키: About Pool Sizing"]),
            en: (
                "{tech} in production: transaction boundaries, connection pools and Actuator",
                "Learn @Transactional propagation and isolation, JPA N+1 and lazy loading, HikariCP tuning, and Actuator/Micrometer metrics, then review the transaction boundaries of your service. Outcome: you can explain performance and consistency issues in Spring services concretely.",
                ["Spring Boot documentation", "Spring Framework documentation: Transaction Management", "HikariCP wiki: About Pool Sizing"])),
        topic(
            "django.orm", ["django"], keywords: ["django", "orm", "performance", "성능", "database", "데이터베이스"],
            hours: 14, link: "https://docs.djangoproject.com/en/stable/topics/db/optimization/",
            ko: (
                "{tech} ORM 성능: 쿼리 수 줄이기와 트랜잭션",
                "select_related·prefetch_related, 쿼리 수 측정, 인덱스와 트랜잭션(atomic), 캐시 프레임워크를 학습하고 느린 뷰 하나를 개선해 수치를 남깁니다. 결과: ORM 성능 문제를 진단하고 설명할 수 있습니다.",
                ["Django 공식 문서: Database access optimization", "Django 공식 문서: Database transactions"]),
            en: (
                "{tech} ORM performance: fewer queries and proper transactions",
                "Learn select_related and prefetch_related, counting queries, indexes, atomic transactions and the cache framework, then speed up one slow view and record the numbers. Outcome: you can diagnose and explain ORM performance issues.",
                ["Django documentation: Database access optimization", "Django documentation: Database transactions"])),
        topic(
            "graphql.performance", ["graphql"], keywords: ["graphql", "api", "performance", "성능"],
            hours: 12, link: "https://graphql.org/learn/",
            ko: (
                "{tech} 스키마 설계와 성능: DataLoader, 복잡도 제한, 캐싱",
                "스키마 설계 원칙, DataLoader 배칭, 쿼리 깊이·복잡도 제한, 영속 쿼리와 캐싱을 학습하고 API의 느린 쿼리를 추적해 개선합니다. 결과: GraphQL API의 성능·보안 설계를 설명할 수 있습니다.",
                ["GraphQL 공식 문서: Learn", "GraphQL 공식 문서: Best Practices", "DataLoader README"]),
            en: (
                "{tech} schema design and performance: DataLoader, complexity limits, caching",
                "Learn schema design principles, DataLoader batching, depth and complexity limits, persisted queries and caching, then trace and fix a slow query in your API. Outcome: you can explain the performance and security design of a GraphQL API.",
                ["GraphQL documentation: Learn", "GraphQL documentation: Best Practices", "DataLoader README"])),
        topic(
            "grpc.deep", ["grpc", "protobuf"], keywords: ["grpc", "api", "microservices", "마이크로서비스"],
            hours: 14, link: "https://grpc.io/docs/guides/",
            ko: (
                "{tech} 심화: 데드라인, 재시도, 스트리밍, 스키마 진화",
                "데드라인 전파, 재시도·헤지 정책, 스트리밍 흐름 제어, 헬스 체크와 로드 밸런싱, protobuf 하위 호환 규칙을 학습하고 서비스 간 호출에 적용합니다. 결과: 서비스 간 통신 장애 대응을 설명할 수 있습니다.",
                ["gRPC 공식 문서: Guides", "Protocol Buffers 공식 문서: Updating A Message Type"]),
            en: (
                "Deepen {tech}: deadlines, retries, streaming and schema evolution",
                "Learn deadline propagation, retry and hedging policies, streaming flow control, health checks and load balancing, and protobuf compatibility rules, then apply them to service-to-service calls. Outcome: you can explain how inter-service failures are handled.",
                ["gRPC documentation: Guides", "Protocol Buffers documentation: Updating A Message Type"])),
        topic(
            "rust.async", ["rust", "tokio"], keywords: ["rust", "async", "비동기", "performance", "성능"],
            hours: 20, link: "https://doc.rust-lang.org/book/",
            ko: (
                "{tech} 소유권 모델과 비동기 런타임 심화",
                "소유권·수명, 트레이트 객체와 제네릭, async/await와 Tokio 런타임, 에러 처리 패턴을 학습하고 작은 네트워크 서비스를 만들어 부하를 측정합니다. 결과: Rust 설계 결정을 안전성과 성능 관점에서 설명할 수 있습니다.",
                ["The Rust Programming Language", "Tokio 공식 튜토리얼"]),
            en: (
                "{tech} ownership and async runtime in depth",
                "Learn ownership and lifetimes, trait objects versus generics, async/await with the Tokio runtime and error-handling patterns, then build a small network service and load-test it. Outcome: you can explain Rust design decisions in terms of safety and performance.",
                ["The Rust Programming Language", "Tokio tutorial"])),
        topic(
            "swift.concurrency", ["swift", "vapor", "hummingbird"], keywords: ["swift", "concurrency", "동시성"],
            hours: 16, link: "https://www.swift.org/documentation/",
            ko: (
                "{tech} 동시성: async/await, actor, Sendable",
                "구조적 동시성, 태스크 그룹과 취소, actor 격리, Sendable 검사와 Swift 6 엄격 동시성을 학습하고 기존 코드를 데이터 경쟁 없이 옮깁니다. 결과: 컴파일러가 보장하는 동시성 안전성을 설명할 수 있습니다.",
                ["Swift 공식 문서", "The Swift Programming Language: Concurrency"]),
            en: (
                "{tech} concurrency: async/await, actors and Sendable",
                "Learn structured concurrency, task groups and cancellation, actor isolation, Sendable checking and Swift 6 strict concurrency, then migrate existing code free of data races. Outcome: you can explain compiler-checked concurrency safety.",
                ["Swift documentation", "The Swift Programming Language: Concurrency"])),
        topic(
            "testing.strategy", ["pytest", "junit", "jest", "vitest", "mocha", "testcontainers", "pact", "cypress", "playwright"],
            keywords: ["testing", "test", "테스트", "quality", "품질"],
            hours: 12, link: "https://martinfowler.com/articles/practical-test-pyramid.html",
            ko: (
                "{tech:을} 넘어 테스트 전략 설계: 테스트 피라미드와 계약 테스트",
                "테스트 피라미드, 테스트 더블 선택, 컨테이너 기반 통합 테스트, 계약 테스트와 flaky 테스트 관리법을 학습하고 프로젝트의 테스트 구성을 재설계합니다. 결과: 무엇을 어떤 수준에서 테스트할지 근거 있게 설명할 수 있습니다.",
                ["Martin Fowler: The Practical Test Pyramid", "Testcontainers 문서", "Pact 문서"]),
            en: (
                "Beyond {tech}: designing a test strategy with the test pyramid and contract tests",
                "Learn the test pyramid, choosing test doubles, container-based integration tests, contract tests and managing flaky tests, then redesign your project's test suite. Outcome: you can justify what to test at which level.",
                ["Martin Fowler: The Practical Test Pyramid", "Testcontainers documentation", "Pact documentation"])),
    ]
}
