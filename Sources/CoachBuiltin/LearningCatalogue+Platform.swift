import CoachCore
import CoachLLM
import Foundation

// Strength topics for containers, cloud, infrastructure, observability, delivery and security.
extension BuiltinLearningCatalogue {
    static let platformTopics: [BuiltinLearningTopic] = [
        topic(
            "docker.images", ["docker"], keywords: ["docker", "container", "컨테이너", "devops", "security", "보안"],
            hours: 10, link: "https://docs.docker.com/build/building/multi-stage/",
            ko: (
                "{tech} 이미지 최적화와 보안: 멀티스테이지 빌드와 최소 권한",
                "멀티스테이지 빌드, 레이어 캐시, distroless·비루트 실행, 이미지 취약점 스캔과 헬스 체크를 학습하고 기존 이미지 크기와 빌드 시간을 줄입니다. 결과: 컨테이너 빌드·보안 관행을 수치와 함께 설명할 수 있습니다.",
                ["Docker 공식 문서: Multi-stage builds", "Docker 공식 문서: Building best practices"]),
            en: (
                "{tech} image optimisation and security: multi-stage builds and least privilege",
                "Learn multi-stage builds, layer caching, distroless and non-root images, vulnerability scanning and health checks, then cut the size and build time of an existing image. Outcome: you can present container build and security practices with numbers.",
                ["Docker documentation: Multi-stage builds", "Docker documentation: Building best practices"])),
        topic(
            "kubernetes.operators", ["kubernetes"], keywords: ["kubernetes", "k8s", "operator", "오퍼레이터", "platform", "플랫폼"],
            hours: 30, link: "https://kubernetes.io/docs/concepts/extend-kubernetes/operator/",
            ko: (
                "{tech} 컨트롤러·오퍼레이터 패턴 심화",
                "조정 루프, CRD 설계와 버전 관리, 파이널라이저, 리더 선출, controller-runtime 테스트를 학습하고 작은 오퍼레이터를 만들어 장애 상황에서 동작을 검증합니다. 결과: 선언형 플랫폼 설계를 깊이 있게 설명할 수 있습니다.",
                ["Kubernetes 공식 문서: Operator pattern", "Kubebuilder Book", "Programming Kubernetes (Hausenblas, Schimanski)"]),
            en: (
                "{tech} controllers and the operator pattern in depth",
                "Learn reconcile loops, CRD design and versioning, finalizers, leader election and testing with controller-runtime, then build a small operator and verify its behaviour under failure. Outcome: you can discuss declarative platform design in depth.",
                ["Kubernetes documentation: Operator pattern", "The Kubebuilder Book", "Programming Kubernetes (Hausenblas, Schimanski)"])),
        topic(
            "kubernetes.reliability", ["kubernetes", "eks", "gke"], keywords: ["kubernetes", "k8s", "autoscaling", "오토스케일링", "reliability", "신뢰성", "sre"],
            hours: 20, link: "https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/",
            ko: (
                "{tech} 가용성과 오토스케일링: HPA, PDB, 프로브, 리소스 설정",
                "HPA와 커스텀 지표, PodDisruptionBudget, readiness·liveness 프로브, requests/limits와 QoS를 학습하고 부하 테스트로 스케일링 동작을 검증합니다. 결과: 트래픽 급증과 노드 장애에 대한 대응을 구체적으로 설명할 수 있습니다.",
                ["Kubernetes 공식 문서: Horizontal Pod Autoscaling", "Kubernetes 공식 문서: Disruptions", "Kubernetes 공식 문서: Liveness, Readiness and Startup Probes"]),
            en: (
                "{tech} availability and autoscaling: HPA, PDBs, probes and resources",
                "Learn HPA with custom metrics, PodDisruptionBudgets, readiness and liveness probes, requests/limits and QoS, and verify scaling behaviour with a load test. Outcome: you can explain how traffic spikes and node failures are handled.",
                ["Kubernetes documentation: Horizontal Pod Autoscaling", "Kubernetes documentation: Disruptions", "Kubernetes documentation: Configure Liveness, Readiness and Startup Probes"])),
        topic(
            "terraform.modules", ["terraform", "pulumi"], keywords: ["terraform", "iac", "infrastructure", "인프라", "platform", "플랫폼"],
            hours: 16, link: "https://developer.hashicorp.com/terraform/language/modules",
            ko: (
                "{tech} 모듈 설계와 상태 관리",
                "재사용 가능한 모듈 설계, 원격 상태와 잠금, 환경 분리, drift 감지와 plan 리뷰 자동화를 학습하고 기존 구성을 모듈로 리팩터링합니다. 결과: 인프라 코드의 안전한 변경 절차를 설명할 수 있습니다.",
                ["Terraform 공식 문서: Modules", "Terraform 공식 문서: State"]),
            en: (
                "{tech} module design and state management",
                "Learn reusable module design, remote state and locking, environment separation, drift detection and automated plan reviews, then refactor an existing configuration into modules. Outcome: you can explain a safe change process for infrastructure code.",
                ["Terraform documentation: Modules", "Terraform documentation: State"])),
        topic(
            "aws.reliability", ["aws", "awslambda", "ec2", "s3", "ecs", "eks", "dynamodb", "amazonsqs"], keywords: ["aws", "cloud", "클라우드", "reliability", "신뢰성", "architecture", "아키텍처"],
            hours: 20, link: "https://docs.aws.amazon.com/wellarchitected/latest/reliability-pillar/welcome.html",
            ko: (
                "{tech} Well-Architected 신뢰성 원칙으로 아키텍처 점검",
                "다중 AZ·리전 설계, 서비스 쿼터, 백오프와 지터, 정적 안정성, 백업·복구 전략을 학습하고 현재 구성을 신뢰성 원칙 체크리스트로 점검합니다. 결과: 클라우드 장애 시나리오에 대한 설계 근거를 제시할 수 있습니다.",
                ["AWS Well-Architected Framework: Reliability Pillar", "Amazon Builders' Library: Timeouts, retries, and backoff with jitter"]),
            en: (
                "Review your {tech} architecture against the Well-Architected reliability pillar",
                "Learn multi-AZ and multi-region design, service quotas, backoff with jitter, static stability and backup/restore strategies, then audit the current setup against the reliability checklist. Outcome: you can give design reasons for cloud failure scenarios.",
                ["AWS Well-Architected Framework: Reliability Pillar", "Amazon Builders' Library: Timeouts, retries, and backoff with jitter"])),
        topic(
            "gcp.framework", ["gcp", "gke", "cloudrun", "bigquery", "googlepubsub"], keywords: ["gcp", "google cloud", "cloud", "클라우드", "architecture", "아키텍처"],
            hours: 20, link: "https://cloud.google.com/architecture/framework",
            ko: (
                "{tech} Architecture Framework로 신뢰성·비용 점검",
                "Google Cloud Architecture Framework의 신뢰성·비용·보안 원칙을 학습하고, 현재 구성의 단일 장애 지점과 비용 낭비를 찾아 개선안을 문서로 정리합니다. 결과: 클라우드 설계 결정을 원칙에 근거해 설명할 수 있습니다.",
                ["Google Cloud Architecture Framework", "Google SRE Book"]),
            en: (
                "Review {tech} with the Google Cloud Architecture Framework",
                "Learn the reliability, cost and security principles of the Google Cloud Architecture Framework, then find single points of failure and wasted spend in the current setup and document fixes. Outcome: you can ground cloud design decisions in principles.",
                ["Google Cloud Architecture Framework", "Google SRE Book"])),
        topic(
            "azure.waf", ["azure"], keywords: ["azure", "cloud", "클라우드", "architecture", "아키텍처"],
            hours: 20, link: "https://learn.microsoft.com/en-us/azure/well-architected/",
            ko: (
                "{tech} Well-Architected Framework로 아키텍처 점검",
                "Azure Well-Architected Framework의 신뢰성·보안·비용 원칙을 학습하고 현재 구성을 점검해 개선 우선순위를 정리합니다. 결과: 클라우드 설계 결정을 원칙에 근거해 설명할 수 있습니다.",
                ["Azure Well-Architected Framework", "Azure Architecture Center"]),
            en: (
                "Review {tech} with the Azure Well-Architected Framework",
                "Learn the reliability, security and cost principles of the Azure Well-Architected Framework and audit the current setup to prioritise improvements. Outcome: you can ground cloud design decisions in principles.",
                ["Azure Well-Architected Framework", "Azure Architecture Center"])),
        topic(
            "prometheus.slo", ["prometheus", "grafana", "datadog", "cloudwatch"], keywords: ["prometheus", "monitoring", "모니터링", "observability", "관측성", "slo", "sre", "alert", "알림"],
            hours: 16, link: "https://prometheus.io/docs/prometheus/latest/querying/basics/",
            ko: (
                "{tech} 심화: PromQL, 기록 규칙, SLO 기반 알림",
                "PromQL 집계와 히스토그램 분위수, 기록 규칙, 카디널리티 관리, 다중 윈도 번 레이트 알림을 학습하고 서비스의 SLO 대시보드와 알림을 만듭니다. 결과: 알림 설계와 SLO 운영을 구체적으로 설명할 수 있습니다.",
                ["Prometheus 공식 문서: Querying basics", "Google SRE Workbook: Alerting on SLOs", "Grafana 공식 문서"]),
            en: (
                "Deepen {tech}: PromQL, recording rules and SLO-based alerting",
                "Learn PromQL aggregation and histogram quantiles, recording rules, cardinality control and multi-window burn-rate alerts, then build an SLO dashboard and alerts for your service. Outcome: you can explain alert design and SLO operations concretely.",
                ["Prometheus documentation: Querying basics", "Google SRE Workbook: Alerting on SLOs", "Grafana documentation"])),
        topic(
            "otel.tracing", ["opentelemetry", "jaeger", "zipkin"], keywords: ["opentelemetry", "tracing", "트레이싱", "observability", "관측성"],
            hours: 16, link: "https://opentelemetry.io/docs/concepts/",
            ko: (
                "{tech:으로} 분산 트레이싱과 신호 연계",
                "트레이스·스팬·컨텍스트 전파, 샘플링 전략, 로그·메트릭과 트레이스 연결(exemplar)을 학습하고 서비스 간 호출 하나를 끝에서 끝까지 추적합니다. 결과: 장애 원인을 신호 간 연계로 찾는 과정을 설명할 수 있습니다.",
                ["OpenTelemetry 공식 문서: Concepts", "Observability Engineering (Majors, Fong-Jones, Miranda)"]),
            en: (
                "Distributed tracing and correlated signals with {tech}",
                "Learn traces, spans and context propagation, sampling strategies and linking logs and metrics to traces (exemplars), then trace one cross-service request end to end. Outcome: you can explain finding root causes by correlating signals.",
                ["OpenTelemetry documentation: Concepts", "Observability Engineering (Majors, Fong-Jones, Miranda)"])),
        topic(
            "actions.pipelines", ["githubactions", "gitlabci", "jenkins", "circleci"], keywords: ["ci", "cd", "ci/cd", "pipeline", "파이프라인", "devops", "배포"],
            hours: 12, link: "https://docs.github.com/en/actions",
            ko: (
                "{tech} 파이프라인 고도화: 캐시, 병렬화, 배포 승인",
                "의존성 캐시, 매트릭스·병렬 작업, 재사용 워크플로, 시크릿 관리와 OIDC, 환경별 승인 게이트를 학습하고 파이프라인 시간을 줄이면서 배포 안전장치를 추가합니다. 결과: CI/CD 설계를 속도와 안전성 관점에서 설명할 수 있습니다.",
                ["GitHub Actions 공식 문서", "Continuous Delivery (Humble, Farley)"]),
            en: (
                "Level up {tech} pipelines: caching, parallelism and deployment approvals",
                "Learn dependency caching, matrix and parallel jobs, reusable workflows, secrets and OIDC, and per-environment approval gates, then make the pipeline faster while adding deployment safeguards. Outcome: you can explain CI/CD design in terms of speed and safety.",
                ["GitHub Actions documentation", "Continuous Delivery (Humble, Farley)"])),
        topic(
            "argocd.gitops", ["argocd", "helm", "spinnaker"], keywords: ["gitops", "argo", "deployment", "배포", "devops", "platform", "플랫폼"],
            hours: 14, link: "https://argo-cd.readthedocs.io/en/stable/",
            ko: (
                "{tech:으로} GitOps 점진 배포와 롤백",
                "GitOps 원칙, 애플리케이션 동기화 정책, 헬스 체크, 카나리·블루그린(Argo Rollouts)과 자동 롤백을 학습하고 배포 하나를 점진 배포로 바꿉니다. 결과: 안전한 배포 전략을 설명할 수 있습니다.",
                ["Argo CD 공식 문서", "Argo Rollouts 문서"]),
            en: (
                "GitOps progressive delivery and rollback with {tech}",
                "Learn GitOps principles, application sync policies, health checks, canary and blue-green rollouts (Argo Rollouts) and automated rollback, then convert one deployment to progressive delivery. Outcome: you can explain a safe release strategy.",
                ["Argo CD documentation", "Argo Rollouts documentation"])),
        topic(
            "security.oauth", ["oauth", "jwt", "openidconnect", "keycloak", "springsecurity", "auth0"], keywords: ["security", "보안", "oauth", "auth", "인증"],
            hours: 12, link: "https://oauth.net/2/",
            ko: (
                "{tech} 심화: OAuth 2.0 흐름과 토큰 보안",
                "Authorization Code + PKCE, 토큰 수명과 회전, 스코프 설계, JWT 검증 함정, 세션과 토큰 저장 위치를 학습하고 기존 인증 흐름을 점검합니다. 결과: 인증·인가 설계를 보안 위협과 함께 설명할 수 있습니다.",
                ["OAuth 2.0 공식 사이트", "OWASP Cheat Sheet: JSON Web Token", "OAuth 2.0 Security Best Current Practice (RFC 9700)"]),
            en: (
                "Deepen {tech}: OAuth 2.0 flows and token security",
                "Learn authorization code with PKCE, token lifetimes and rotation, scope design, JWT validation pitfalls and where to keep sessions and tokens, then review your current auth flow. Outcome: you can explain authentication and authorisation design against real threats.",
                ["OAuth 2.0 website", "OWASP Cheat Sheet: JSON Web Token", "OAuth 2.0 Security Best Current Practice (RFC 9700)"])),
    ]
}
