import CoachCore
import CoachLLM
import Foundation

// Gap topics: what to learn when the resume shows nothing of an area expected at its level.
extension BuiltinLearningCatalogue {
    static let gapTopics: [BuiltinGap: BuiltinGapTopic] = Dictionary(
        uniqueKeysWithValues: gapList.map { ($0.gap, $0) })

    static func gap(
        _ gap: BuiltinGap, keywords: [String], hours: Int, variants: [BuiltinGapVariant],
        ko: (String, String, [String]), en: (String, String, [String]),
        analysis: (ko: String, en: String), why: (ko: String, en: String)
    ) -> BuiltinGapTopic {
        BuiltinGapTopic(
            gap: gap, keywords: keywords, hours: hours, variants: variants,
            ko: BuiltinTopicText(title: ko.0, description: ko.1, resources: ko.2),
            en: BuiltinTopicText(title: en.0, description: en.1, resources: en.2),
            analysisKo: analysis.ko, analysisEn: analysis.en, whyKo: why.ko, whyEn: why.en)
    }

    static func variant(_ keys: [String], _ tool: String, _ link: String) -> BuiltinGapVariant {
        BuiltinGapVariant(techKeys: keys.map(BuiltinTechCatalogue.normalize), tool: tool, link: link)
    }

    static let gapList: [BuiltinGapTopic] = [
        gap(
            .observability, keywords: ["observability", "관측성", "monitoring", "모니터링", "metrics", "메트릭", "prometheus", "grafana", "logging", "로깅", "sre", "alert", "알림", "장애"],
            hours: 20,
            variants: [variant([], "Prometheus·Grafana", "https://prometheus.io/docs/introduction/overview/")],
            ko: (
                "관측성 기초: {tech} 서비스에 메트릭·대시보드·알림 붙이기",
                "RED·USE 지표, 구조화 로그, 분산 트레이싱의 역할을 학습하고 {tech} 서비스에 Prometheus 메트릭 엔드포인트, Grafana 대시보드, 사용자 영향 기준 알림을 추가합니다. 결과: '장애를 어떻게 감지하나요?'라는 질문에 직접 만든 대시보드로 답할 수 있습니다.",
                ["Prometheus 공식 문서: Overview", "Grafana 공식 문서: Get started", "Google SRE Book 6장: Monitoring Distributed Systems"]),
            en: (
                "Observability basics: metrics, dashboards and alerts for your {tech} services",
                "Learn the RED and USE methods, structured logging and the role of distributed tracing, then add a Prometheus metrics endpoint, a Grafana dashboard and user-impact alerts to a {tech} service. Outcome: you can answer 'how would you detect an outage?' with a dashboard you built.",
                ["Prometheus documentation: Overview", "Grafana documentation: Get started", "Google SRE Book, chapter 6: Monitoring Distributed Systems"]),
            analysis: (
                "{techs} 서비스에 모니터링·관측성 도구가 명시되어 있지 않음",
                "No monitoring or observability tooling listed for the {techs} services"),
            why: (
                "운영 중 문제를 스스로 감지하고 설명하는 능력은 연차와 관계없이 면접에서 자주 확인합니다.",
                "Detecting and explaining production problems yourself is probed in interviews at every level.")),
        gap(
            .testing, keywords: ["testing", "test", "테스트", "quality", "품질", "tdd", "qa"],
            hours: 16,
            variants: [
                variant(["python", "django", "flask", "fastapi"], "pytest", "https://docs.pytest.org/en/stable/"),
                variant(["go", "gin"], "Go testing", "https://go.dev/doc/tutorial/add-a-test"),
                variant(["java", "kotlin", "springboot", "spring"], "JUnit 5", "https://junit.org/junit5/docs/current/user-guide/"),
                variant(["typescript", "javascript", "nodejs", "nestjs", "express", "react", "nextjs"], "Jest", "https://jestjs.io/docs/getting-started"),
                variant(["rust"], "cargo test", "https://doc.rust-lang.org/book/ch11-00-testing.html"),
                variant(["swift"], "Swift Testing", "https://developer.apple.com/documentation/testing"),
                variant([], "xUnit", "https://martinfowler.com/articles/practical-test-pyramid.html"),
            ],
            ko: (
                "{tech} 테스트 전략: {tool:으로} 단위·통합 테스트와 CI 연동",
                "{tool:으로} {tech} 코드의 단위 테스트, 데이터베이스 등 실제 의존성을 쓰는 통합 테스트, 테스트 더블 사용 기준을 익히고 핵심 로직의 테스트를 작성해 CI에서 자동 실행합니다. 결과: 자신이 만든 기능의 정확성을 테스트로 증명하고 설명할 수 있습니다.",
                ["{tool} 공식 문서", "Martin Fowler: The Practical Test Pyramid", "단위 테스트 (블라디미르 코리코프)"]),
            en: (
                "{tech} testing strategy: unit and integration tests with {tool}, run in CI",
                "Use {tool} to write unit tests for {tech} code and integration tests against real dependencies such as the database, learn when to use test doubles, and run the suite automatically in CI. Outcome: you can prove and explain the correctness of what you built.",
                ["{tool} documentation", "Martin Fowler: The Practical Test Pyramid", "Unit Testing Principles, Practices, and Patterns (Vladimir Khorikov)"]),
            analysis: (
                "{techs} 코드에 대한 테스트 도구나 테스트 관련 성과가 없음",
                "No testing tools or test-related achievements for the {techs} code"),
            why: (
                "테스트로 변경의 안전성을 보장하는 습관은 팀 합류 직후부터 기대되는 기본기입니다.",
                "Making changes safe with tests is a baseline expectation from the first week on a team.")),
        gap(
            .security, keywords: ["security", "보안", "auth", "인증", "owasp", "암호화", "encryption"],
            hours: 16,
            variants: [variant([], "OWASP Top 10", "https://owasp.org/www-project-top-ten/")],
            ko: (
                "웹 보안 기본기: OWASP Top 10으로 {tech} 서비스 점검",
                "인젝션, 인증·세션 관리, 접근 제어, 민감 정보 노출, 의존성 취약점 등 OWASP Top 10 항목을 학습하고 {tech} 서비스에 체크리스트 점검과 의존성 스캔을 적용합니다. 결과: 자신이 만든 API의 보안 위험과 대응을 설명할 수 있습니다.",
                ["OWASP Top 10", "OWASP Cheat Sheet Series", "OWASP ASVS"]),
            en: (
                "Security fundamentals: auditing your {tech} services against the OWASP Top 10",
                "Learn the OWASP Top 10 (injection, authentication and session management, access control, sensitive data exposure, vulnerable dependencies) and apply a checklist review and dependency scanning to a {tech} service. Outcome: you can explain the security risks of your own API and how they are mitigated.",
                ["OWASP Top 10", "OWASP Cheat Sheet Series", "OWASP ASVS"]),
            analysis: (
                "{techs} 기반 서비스에서 인증·보안 관련 경험이 드러나지 않음",
                "No authentication or security work visible around {techs}"),
            why: (
                "보안 사고는 비즈니스 영향이 커서, 백엔드 면접에서 인증·입력 검증 질문이 빠지지 않습니다.",
                "Security incidents are costly, so authentication and input-validation questions come up in almost every backend interview.")),
        gap(
            .dataModelling, keywords: ["data modeling", "data modelling", "데이터 모델링", "database", "데이터베이스", "sql", "db"],
            hours: 20,
            variants: [variant([], "PostgreSQL", "https://www.postgresql.org/docs/current/tutorial.html")],
            ko: (
                "데이터 모델링과 SQL: {tool:으로} {tech} 애플리케이션의 데이터 설계",
                "정규화와 비정규화, 키·제약 조건, 인덱스, 트랜잭션과 격리 수준을 {tool:으로} 학습하고 {tech} 애플리케이션 하나의 스키마를 설계해 마이그레이션까지 작성합니다. 결과: 데이터 설계 결정을 요구사항과 연결해 설명할 수 있습니다.",
                ["PostgreSQL 공식 튜토리얼", "SQL 첫걸음 / SQL 레벨업", "Designing Data-Intensive Applications 2장"]),
            en: (
                "Data modelling and SQL: designing the data of a {tech} application with {tool}",
                "Learn normalisation and denormalisation, keys and constraints, indexes, transactions and isolation levels with {tool}, then design the schema of a {tech} application including migrations. Outcome: you can tie data design decisions to requirements.",
                ["PostgreSQL tutorial", "SQL Performance Explained (Markus Winand)", "Designing Data-Intensive Applications, chapter 2"]),
            analysis: (
                "{techs} 외에 데이터베이스·데이터 모델링 경험이 이력서에 없음",
                "No database or data-modelling experience listed beyond {techs}"),
            why: (
                "대부분의 백엔드 업무는 데이터 설계에서 시작하므로 스키마와 트랜잭션 이해가 필수입니다.",
                "Most backend work starts from the data, so schema and transaction knowledge is essential.")),
        gap(
            .cloud, keywords: ["cloud", "클라우드", "aws", "gcp", "azure", "infrastructure", "인프라"],
            hours: 24,
            variants: [variant([], "AWS", "https://docs.aws.amazon.com/wellarchitected/latest/framework/welcome.html")],
            ko: (
                "클라우드 기초: {tool}에 {tech} 서비스 배포하고 Well-Architected로 점검",
                "VPC·서브넷, 컴퓨팅(EC2·ECS·Lambda) 선택, 관리형 데이터베이스, IAM 최소 권한을 학습하고 {tech} 서비스를 {tool}에 배포한 뒤 Well-Architected 원칙으로 비용과 신뢰성을 점검합니다. 결과: 클라우드 배포 구조와 선택 근거를 설명할 수 있습니다.",
                ["AWS Well-Architected Framework", "AWS 공식 문서: Getting Started", "AWS Skill Builder 무료 과정"]),
            en: (
                "Cloud fundamentals: deploy a {tech} service on {tool} and review it with Well-Architected",
                "Learn VPCs and subnets, choosing compute (EC2, ECS, Lambda), managed databases and least-privilege IAM, deploy a {tech} service to {tool}, and review cost and reliability with the Well-Architected principles. Outcome: you can explain a cloud deployment and the reasons behind it.",
                ["AWS Well-Architected Framework", "AWS documentation: Getting Started", "AWS Skill Builder free courses"]),
            analysis: (
                "{techs} 서비스를 클라우드에서 운영한 경험이 명시되지 않음",
                "No cloud platform listed for running the {techs} services"),
            why: (
                "대부분의 서비스가 클라우드에서 운영되므로 배포 구조와 비용·신뢰성 판단을 설명할 수 있어야 합니다.",
                "Most services run in the cloud, so you are expected to explain deployment, cost and reliability choices.")),
        gap(
            .cicd, keywords: ["ci", "cd", "ci/cd", "cicd", "pipeline", "파이프라인", "배포 자동화", "devops", "deployment", "배포"],
            hours: 10,
            variants: [variant([], "GitHub Actions", "https://docs.github.com/en/actions")],
            ko: (
                "CI/CD 구축: {tool:으로} {tech} 프로젝트 테스트·빌드·배포 자동화",
                "워크플로 구성, 테스트·린트 자동 실행, 캐시, 시크릿 관리, 환경별 배포와 롤백을 학습하고 {tech} 프로젝트에 머지부터 배포까지의 파이프라인을 만듭니다. 결과: 변경이 운영에 반영되는 전 과정을 설명할 수 있습니다.",
                ["GitHub Actions 공식 문서", "Continuous Delivery (Humble, Farley)"]),
            en: (
                "Build CI/CD: automate testing, builds and deployment of a {tech} project with {tool}",
                "Learn workflow configuration, automated tests and linting, caching, secrets, per-environment deployment and rollback, then build a merge-to-deploy pipeline for a {tech} project. Outcome: you can explain how a change reaches production end to end.",
                ["GitHub Actions documentation", "Continuous Delivery (Humble, Farley)"]),
            analysis: (
                "{techs} 프로젝트의 CI/CD 파이프라인 구축 경험이 보이지 않음",
                "No CI/CD pipeline listed for the {techs} projects"),
            why: (
                "자동화된 배포 파이프라인은 팀 개발의 기본 인프라라서 구성 경험을 자주 묻습니다.",
                "Automated delivery pipelines are basic team infrastructure, so interviewers often ask about building one.")),
        gap(
            .containers, keywords: ["docker", "container", "컨테이너", "kubernetes", "deployment", "배포", "devops"],
            hours: 12,
            variants: [variant([], "Docker", "https://docs.docker.com/get-started/")],
            ko: (
                "컨테이너화: {tool:으로} {tech} 애플리케이션 패키징과 로컬 환경 구성",
                "이미지와 컨테이너, Dockerfile 작성, 멀티스테이지 빌드, Compose로 데이터베이스를 포함한 로컬 환경 구성을 학습하고 {tech} 애플리케이션을 컨테이너로 배포 가능하게 만듭니다. 결과: 배포 단위와 실행 환경을 설명할 수 있습니다.",
                ["Docker 공식 문서: Get started", "Docker 공식 문서: Dockerfile reference"]),
            en: (
                "Containerisation: package a {tech} application with {tool} and define its local environment",
                "Learn images and containers, writing Dockerfiles, multi-stage builds and Compose for a local environment including the database, and make a {tech} application deployable as a container. Outcome: you can explain the unit of deployment and its runtime environment.",
                ["Docker documentation: Get started", "Docker documentation: Dockerfile reference"]),
            analysis: (
                "{techs} 애플리케이션의 컨테이너화·배포 도구 경험이 없음",
                "No containerisation or deployment tooling listed for the {techs} applications"),
            why: (
                "컨테이너는 개발·배포 환경의 표준이 되어 기본적인 사용 경험이 기대됩니다.",
                "Containers are the standard unit of development and deployment, so hands-on experience is expected.")),
        gap(
            .messaging, keywords: ["messaging", "메시징", "queue", "큐", "kafka", "event", "이벤트", "async", "비동기"],
            hours: 20,
            variants: [
                variant(["python", "django", "flask"], "Celery", "https://docs.celeryq.dev/en/stable/getting-started/introduction.html"),
                variant([], "Kafka", "https://kafka.apache.org/documentation/"),
            ],
            ko: (
                "비동기 메시징: {tool:으로} {tech} 시스템의 작업 분리와 재처리",
                "큐와 로그 기반 메시징의 차이, 전달 보장, 재시도와 DLQ, 멱등 처리, 순서 보장을 학습하고 {tech} 시스템의 느린 작업 하나를 {tool} 기반 비동기 처리로 분리합니다. 결과: 동기 호출과 메시징의 트레이드오프를 설명할 수 있습니다.",
                ["{tool} 공식 문서", "Enterprise Integration Patterns", "Designing Data-Intensive Applications 11장"]),
            en: (
                "Asynchronous messaging: decouple work in your {tech} system with {tool}",
                "Learn queues versus log-based messaging, delivery guarantees, retries and dead-letter queues, idempotent processing and ordering, then move one slow operation of a {tech} system to asynchronous processing with {tool}. Outcome: you can explain the trade-offs between synchronous calls and messaging.",
                ["{tool} documentation", "Enterprise Integration Patterns", "Designing Data-Intensive Applications, chapter 11"]),
            analysis: (
                "{techs} 시스템에서 메시지 큐 기반 비동기 처리 경험이 없음",
                "No message-queue or asynchronous processing experience around {techs}"),
            why: (
                "이 연차에서는 서비스 간 결합을 줄이는 비동기 설계 경험을 기대하는 경우가 많습니다.",
                "At this level, experience decoupling services with asynchronous designs is commonly expected.")),
        gap(
            .slo, keywords: ["slo", "sre", "reliability", "신뢰성", "error budget", "에러 버짓", "장애", "incident"],
            hours: 12,
            variants: [variant([], "SLO", "https://sre.google/sre-book/service-level-objectives/")],
            ko: (
                "SLO와 에러 버짓으로 {tech} 서비스 신뢰성 운영하기",
                "SLI 선정, SLO 목표 설정, 에러 버짓 정책, 번 레이트 알림, 포스트모템 문화를 학습하고 {tech} 서비스 하나에 SLO 문서와 알림 규칙을 작성합니다. 결과: 신뢰성 목표를 수치로 정의하고 운영 판단에 쓰는 방법을 설명할 수 있습니다.",
                ["Google SRE Book: Service Level Objectives", "Google SRE Workbook: Implementing SLOs", "Google SRE Workbook: Alerting on SLOs"]),
            en: (
                "Run {tech} services with SLOs and error budgets",
                "Learn choosing SLIs, setting SLO targets, error-budget policies, burn-rate alerting and blameless postmortems, then write an SLO document and alert rules for one {tech} service. Outcome: you can define reliability targets in numbers and use them for operational decisions.",
                ["Google SRE Book: Service Level Objectives", "Google SRE Workbook: Implementing SLOs", "Google SRE Workbook: Alerting on SLOs"]),
            analysis: (
                "{techs} 운영에서 SLO·에러 버짓 같은 신뢰성 목표가 언급되지 않음",
                "No SLOs or error budgets mentioned for operating {techs}"),
            why: (
                "연차가 쌓일수록 '얼마나 안정적이어야 하는가'를 수치로 정의하고 지키는 역할을 기대받습니다.",
                "With seniority comes the expectation to define, in numbers, how reliable a service must be, and to hold it there.")),
        gap(
            .loadTesting, keywords: ["load test", "부하 테스트", "performance", "성능", "capacity", "용량", "scalability", "확장성", "트래픽"],
            hours: 10,
            variants: [variant([], "k6", "https://grafana.com/docs/k6/latest/")],
            ko: (
                "부하 테스트와 용량 계획: {tool:으로} {tech} 서비스의 한계 측정",
                "부하·스트레스·스파이크 테스트 설계, 지연 분위수 해석, 병목 분석과 용량 산정 방법을 학습하고 {tech} 서비스의 처리 한계를 측정해 보고서로 정리합니다. 결과: '트래픽이 10배가 되면?'이라는 질문에 측정값으로 답할 수 있습니다.",
                ["Grafana k6 공식 문서", "Google SRE Book: Handling Overload"]),
            en: (
                "Load testing and capacity planning: measure the limits of your {tech} services with {tool}",
                "Learn to design load, stress and spike tests, read latency percentiles, analyse bottlenecks and estimate capacity, then measure the limits of a {tech} service and write up the results. Outcome: you can answer 'what happens at 10× traffic?' with measurements.",
                ["Grafana k6 documentation", "Google SRE Book: Handling Overload"]),
            analysis: (
                "{techs} 서비스의 부하 테스트·용량 계획 경험이 명시되지 않음",
                "No load testing or capacity planning mentioned for the {techs} services"),
            why: (
                "확장성 질문에 추측이 아닌 측정으로 답하는 능력은 한 단계 위의 역할에서 중요하게 봅니다.",
                "Answering scalability questions with measurements rather than guesses is what the next role up looks for.")),
        gap(
            .designDocs, keywords: ["design", "설계", "architecture", "아키텍처", "documentation", "문서", "adr", "communication", "소통"],
            hours: 6,
            variants: [variant([], "ADR", "https://adr.github.io/")],
            ko: (
                "설계 결정 기록: {tech} 관련 결정을 ADR과 설계 문서로 남기기",
                "ADR(Architecture Decision Record) 형식, 설계 문서의 구성(배경·대안·결정·결과), 리뷰 진행 방법을 학습하고 {tech} 관련 과거 결정 두 가지를 ADR로 작성합니다. 결과: 기술 결정을 대안과 근거를 들어 설명하는 습관이 생깁니다.",
                ["ADR GitHub 조직: Architectural Decision Records", "Michael Nygard: Documenting Architecture Decisions"]),
            en: (
                "Record design decisions: ADRs and design docs for your {tech} choices",
                "Learn the ADR (Architecture Decision Record) format, how to structure a design doc (context, options, decision, consequences) and how to run a review, then write ADRs for two past {tech} decisions. Outcome: you build the habit of explaining technical decisions with alternatives and reasons.",
                ["Architectural Decision Records (adr.github.io)", "Michael Nygard: Documenting Architecture Decisions"]),
            analysis: (
                "{techs} 관련 설계 결정을 문서화(ADR·설계 문서)한 경험이 드러나지 않음",
                "No design documents or ADRs mentioned for the {techs} decisions"),
            why: (
                "결정의 근거와 대안을 글로 설명하는 능력은 협업 범위가 넓어질수록 중요해집니다.",
                "Explaining decisions and alternatives in writing matters more as your scope of collaboration grows.")),
    ]
}
