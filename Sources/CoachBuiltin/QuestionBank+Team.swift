import CoachCore
import CoachLLM
import Foundation

// Quality, Collaboration and Business patterns.
extension BuiltinQuestionBank {
    static let quality: [BuiltinQuestionPattern] = [
        pattern(
            "quality.layers", .quality,
            ko: "{where}의 {tech} 코드를 어떻게 테스트했나요? 단위 테스트와 통합 테스트로 각각 무엇을 검증했고, 테스트하지 않은 부분은 무엇인가요?",
            koTopic: "{tech}, 단위 테스트, 통합 테스트, 커버리지",
            koCover: [
                "단위·통합·E2E 테스트의 역할 분담과 그 이유",
                "테스트하기 어려웠던 부분과 해결 방법",
                "테스트하지 않은 영역과 그 위험을 받아들인 근거",
            ],
            en: "How did you test the {tech} code in {where}? Which cases did unit tests cover, which did integration tests cover, and what was left untested?",
            enTopic: "{tech}, unit tests, integration tests, coverage",
            enCover: [
                "The split between unit, integration and end-to-end tests, and why",
                "What was hard to test and how it was solved",
                "What was left untested and why that risk was acceptable",
            ]),
        pattern(
            "quality.safety.net", .quality,
            ko: "새 팀원이 {where}의 {tech} 로직을 미묘하게 망가뜨리는 변경을 올렸다고 해 봅시다. 운영 배포 전에 테스트, 타입, 리뷰, CI 중 무엇이 이를 잡아낼 수 있나요?",
            koTopic: "{tech}, 회귀 방지, 코드 리뷰, CI",
            koCover: [
                "회귀를 잡아내는 테스트의 구체적인 예",
                "타입 시스템·정적 분석이 막아 주는 오류",
                "코드 리뷰와 CI 단계에서의 확인 항목",
            ],
            en: "Imagine a new teammate subtly breaks the {tech} logic of {where}. What in your setup (tests, types, reviews, CI) would catch it before production?",
            enTopic: "{tech}, regression safety, code review, CI",
            enCover: [
                "A concrete test that would catch the regression",
                "Errors the type system or static analysis prevents",
                "What code review and CI check before merge",
            ]),
        pattern(
            "quality.achievement", .quality,
            ko: "{where}의 {achievement} 성과가 퇴보하지 않음을 보여 주는 자동화 테스트를 어떻게 작성하시겠습니까? {tech} 테스트 환경은 어떻게 구성하나요?",
            koTopic: "{tech}, 회귀 테스트, 테스트 환경",
            koCover: [
                "성과를 검증 가능한 기준(임계값, 불변식)으로 바꾸는 방법",
                "{tech:을} 포함한 테스트 환경 구성(컨테이너, 픽스처)",
                "테스트를 CI에서 안정적으로 돌리는 방법",
            ],
            en: "How would you write an automated test proving that {achievement} in {where} does not regress? What does the {tech} test setup look like?",
            enTopic: "{tech}, regression tests, test environment",
            enCover: [
                "Turning the result into a checkable threshold or invariant",
                "Test environment including {tech} (containers, fixtures)",
                "Keeping the test stable in CI",
            ]),
        pattern(
            "quality.testing.tool", .quality, [.testing],
            ko: "{where}에서 {tech:을} 어떻게 활용했나요? 테스트하기 어려운 부분은 무엇이었고, 테스트를 빠르고 안정적으로(flaky 없이) 유지하는 방법은 무엇인가요?",
            koTopic: "{tech}, 테스트 전략, flaky 테스트",
            koCover: [
                "{tech:으로} 작성한 테스트의 구조와 범위",
                "외부 의존성, 시간, 동시성 등 테스트하기 어려운 요소의 처리",
                "느리거나 불안정한 테스트를 관리하는 방법",
            ],
            en: "How did you use {tech} in {where}? What was hard to test, and how do you keep the tests fast and free of flakiness?",
            enTopic: "{tech}, test strategy, flaky tests",
            enCover: [
                "Structure and scope of the tests written with {tech}",
                "Handling hard-to-test parts: external dependencies, time, concurrency",
                "Keeping slow or flaky tests under control",
            ]),
        pattern(
            "quality.real.dependency", .quality, [.messaging, .dataStore],
            ko: "{where}에서 {tech}에 의존하는 코드를, 트랜잭션·재전달·순서 같은 중요한 동작을 목(mock)으로 가리지 않고 어떻게 테스트하나요?",
            koTopic: "{tech}, 통합 테스트, Testcontainers, 목",
            koCover: [
                "목으로 대체해도 되는 부분과 실제 {tech:이} 필요한 부분의 구분",
                "컨테이너 기반 통합 테스트 등 실제 의존성 사용 방법",
                "테스트 데이터 격리와 실행 속도 관리",
            ],
            en: "How do you test code in {where} that depends on {tech} without mocking away the behaviour that matters (transactions, redelivery, ordering)?",
            enTopic: "{tech}, integration tests, Testcontainers, mocks",
            enCover: [
                "What may be mocked and what needs a real {tech}",
                "Running real dependencies in tests (containers, embedded instances)",
                "Test data isolation and keeping the suite fast",
            ]),
        pattern(
            "quality.language.tooling", .quality, [.language, .framework],
            ko: "{where}에서 {tech}의 어떤 코드 품질 도구(린터, 포매터, 정적 분석, 타입 검사)를 적용했고, 실제로 어떤 버그를 잡아냈나요?",
            koTopic: "{tech}, 정적 분석, 린터, 코드 품질",
            koCover: [
                "사용한 도구와 규칙 설정",
                "도구가 실제로 잡아낸 버그의 예",
                "팀 전체에 규칙을 적용하고 유지한 방법",
            ],
            en: "Which {tech} code-quality tools (linters, formatters, static analysis, type checks) did you apply in {where}, and what real bug did they catch?",
            enTopic: "{tech}, static analysis, linters, code quality",
            enCover: [
                "Tools used and how their rules were configured",
                "An actual bug the tooling caught",
                "How the rules were rolled out to and kept by the team",
            ]),
    ]

    static let collaboration: [BuiltinQuestionPattern] = [
        pattern(
            "collab.contract", .collaboration,
            ko: "{where}에서 {tech} 기반 인터페이스(API, 스키마, 이벤트)의 계약을 다른 사람들과 어떻게 합의했고, 호환성을 깨는 변경은 어떻게 처리했나요?",
            koTopic: "{tech}, 인터페이스 계약, 하위 호환성",
            koCover: [
                "계약을 문서화하고 합의한 방식(스키마, 명세, 리뷰)",
                "버전 관리와 하위 호환성 유지 전략",
                "깨지는 변경을 배포한 절차와 소통",
            ],
            en: "In {where}, how did you agree on the contract of the {tech}-based interface (API, schema or events) with others, and how were breaking changes handled?",
            enTopic: "{tech}, interface contracts, backward compatibility",
            enCover: [
                "How the contract was documented and agreed (schemas, specs, reviews)",
                "Versioning and backward-compatibility strategy",
                "The rollout and communication of a breaking change",
            ]),
        pattern(
            "collab.disagreement", .collaboration,
            ko: "{where}에서 {tech} 사용 방식을 두고 의견이 갈렸던 경험을 말씀해 주세요. 각 입장은 무엇이었고 어떻게 결정했으며, 지금도 같은 결정을 하시겠습니까?",
            koTopic: "{tech}, 기술 의사결정, 의견 조율",
            koCover: [
                "양쪽 입장을 공정하게 설명",
                "데이터, 프로토타입 등 결정에 쓴 근거",
                "결정 이후의 결과와 회고",
            ],
            en: "Tell me about a disagreement in {where} about how to use {tech}. What were the positions, how was it decided, and would you decide the same today?",
            enTopic: "{tech}, technical decisions, alignment",
            enCover: [
                "A fair description of both positions",
                "Evidence used to decide: data, prototypes, constraints",
                "The outcome and what they learned",
            ]),
        pattern(
            "collab.onboarding", .collaboration,
            ko: "새로 합류한 엔지니어가 첫 주에 {where}의 {tech} 부분을 안전하게 변경·배포할 수 있도록 어떻게 온보딩하시겠습니까?",
            koTopic: "{tech}, 온보딩, 문서화, 지식 공유",
            koCover: [
                "꼭 필요한 문서와 아키텍처 설명",
                "안전하게 시작할 수 있는 첫 작업과 리뷰 방식",
                "로컬 환경, 테스트, 배포 절차의 자동화",
            ],
            en: "How would you onboard a new engineer onto the {tech} part of {where} so they can ship a change safely in their first week?",
            enTopic: "{tech}, onboarding, documentation, knowledge sharing",
            enCover: [
                "The essential docs and architecture walkthrough",
                "A safe first task and how it is reviewed",
                "Automation of local setup, tests and deployment",
            ]),
        pattern(
            "collab.achievement", .collaboration,
            ko: "{where}에서 {achievement:이라는} 결과를 내는 데 누가 함께했고, {tech} 작업을 어떻게 나누고 방향을 맞췄나요?",
            koTopic: "{tech}, 협업, 역할 분담",
            koCover: [
                "본인의 역할과 다른 사람의 기여 구분",
                "작업 분할과 진행 상황 공유 방식",
                "이견이나 일정 압박을 조율한 사례",
            ],
            en: "Who else was involved in reaching {achievement} in {where}, and how did you split the {tech} work and keep everyone aligned?",
            enTopic: "{tech}, collaboration, division of work",
            enCover: [
                "The candidate's role versus others' contributions",
                "How the work was split and progress shared",
                "An example of resolving disagreement or schedule pressure",
            ]),
        pattern(
            "collab.schema.change", .collaboration, [.messaging, .other],
            ko: "{where}에서 {tech:으로} 주고받는 데이터 형식을 바꿔야 합니다. 서로 다른 담당자의 생산자와 소비자를 어떻게 조율해 배포 중에도 깨지지 않게 하시겠습니까?",
            koTopic: "{tech}, 스키마 변경, 배포 순서",
            koCover: [
                "확장-전환-축소(expand/contract) 같은 단계적 변경",
                "스키마 레지스트리나 계약 테스트 활용",
                "담당자 간 일정과 배포 순서 조율",
            ],
            en: "The data format exchanged over {tech} in {where} must change. How do you coordinate producers and consumers owned by different people so nothing breaks during the rollout?",
            enTopic: "{tech}, schema evolution, rollout order",
            enCover: [
                "A staged expand/contract change",
                "Schema registries or contract tests",
                "Coordinating owners' schedules and deployment order",
            ]),
        pattern(
            "collab.review", .collaboration, [.language, .framework, .testing],
            ko: "{where}의 {tech} 코드 리뷰에서 본인이 가장 중요하게 보는 기준은 무엇이고, 리뷰 의견이 받아들여지지 않았을 때 어떻게 했나요?",
            koTopic: "{tech}, 코드 리뷰, 팀 규칙",
            koCover: [
                "구체적인 리뷰 기준(정확성, 가독성, 테스트)",
                "리뷰 의견을 건설적으로 전달하는 방법",
                "합의가 안 될 때의 에스컬레이션이나 팀 규칙화",
            ],
            en: "When reviewing {tech} code in {where}, what do you look at first, and what did you do when your review comment was not accepted?",
            enTopic: "{tech}, code review, team conventions",
            enCover: [
                "Concrete review criteria: correctness, readability, tests",
                "Giving feedback constructively",
                "Escalating or turning it into a team convention when there is no agreement",
            ]),
    ]

    static let business: [BuiltinQuestionPattern] = [
        pattern(
            "biz.value", .business,
            ko: "{where}에서 {tech:으로} 한 작업이 제품이나 사용자에게 왜 중요했나요? 비개발 직군에게 그 가치를 어떻게 설명하시겠습니까?",
            koTopic: "{tech}, 제품 가치, 사용자 영향",
            koCover: [
                "사용자나 고객이 체감한 변화",
                "매출, 비용, 이탈률 등 비즈니스 지표와의 연결",
                "비개발 직군도 이해할 수 있는 설명",
            ],
            en: "Why did the {tech} work in {where} matter to the product or its users? How would you explain its value to a non-engineer?",
            enTopic: "{tech}, product value, user impact",
            enCover: [
                "The change users or customers actually noticed",
                "The link to business metrics: revenue, cost, churn",
                "An explanation a non-engineer understands",
            ]),
        pattern(
            "biz.achievement", .business,
            ko: "{where}의 {achievement} 성과는 비즈니스에 어떤 변화를 가져왔나요(가능하면 수치로)? {tech} 관련 작업은 다른 기능보다 어떻게 우선순위를 얻었나요?",
            koTopic: "{tech}, 비즈니스 임팩트, 우선순위",
            koCover: [
                "성과를 비즈니스 지표로 환산",
                "우선순위를 설득한 근거와 이해관계자",
                "투입 대비 효과에 대한 회고",
            ],
            en: "What did {achievement} in {where} change for the business, in numbers if possible? How did the {tech} work get prioritised over other features?",
            enTopic: "{tech}, business impact, prioritisation",
            enCover: [
                "The result translated into business metrics",
                "How the priority was argued and with whom",
                "A reflection on effort versus impact",
            ]),
        pattern(
            "biz.budget", .business,
            ko: "{where}의 예산과 인력이 절반으로 줄어든다면 {tech} 주변에서 무엇을 단순화하거나 포기하고, 무엇은 끝까지 지키시겠습니까?",
            koTopic: "{tech}, 우선순위, 비용 대비 효과",
            koCover: [
                "사용자 가치가 낮은 부분의 식별",
                "끝까지 지켜야 할 핵심(데이터 정합성, 보안 등)과 이유",
                "단순화에 따른 위험과 대응",
            ],
            en: "If the budget and headcount for {where} were cut in half, what would you simplify or drop around {tech}, and what would you protect at all costs?",
            enTopic: "{tech}, prioritisation, cost versus value",
            enCover: [
                "Identifying parts with little user value",
                "What must be protected (data integrity, security) and why",
                "Risks of the simplification and how to manage them",
            ]),
        pattern(
            "biz.platform.cost", .business, [.cloud, .devops],
            ko: "{where:을} {tech}에서 운영하는 비용은 대략 얼마이며, 사용자에게 영향 없이 비용을 가장 크게 줄일 수 있는 변경은 무엇인가요?",
            koTopic: "{tech}, 클라우드 비용, 비용 최적화",
            koCover: [
                "비용 구조(컴퓨팅, 스토리지, 네트워크)에 대한 이해",
                "예약 인스턴스, 오토스케일링, 정리 작업 등 구체적인 절감안",
                "절감이 안정성에 주는 영향 평가",
            ],
            en: "Roughly what does it cost to run {where} on {tech}, and which change would cut that cost the most without hurting users?",
            enTopic: "{tech}, cloud cost, cost optimisation",
            enCover: [
                "Understanding of the cost structure: compute, storage, network",
                "Concrete savings: reservations, autoscaling, clean-up",
                "The effect of savings on reliability",
            ]),
        pattern(
            "biz.data.loss", .business, [.dataStore, .messaging],
            ko: "{where}에서 {tech}의 데이터가 한 시간 분량 유실된다면 비즈니스에 어떤 손실이 생기며, 그 위험이 설계에 어떤 영향을 주었나요?",
            koTopic: "{tech}, 데이터 유실, 비즈니스 위험, 백업",
            koCover: [
                "유실 시 고객·매출·규제 측면 영향",
                "백업, 복제, 재처리 등 위험에 맞춘 설계",
                "허용 가능한 유실 범위(RPO)를 정한 과정",
            ],
            en: "If {tech} lost an hour of data in {where}, what would it cost the business, and how did that risk shape your design?",
            enTopic: "{tech}, data loss, business risk, backups",
            enCover: [
                "Impact on customers, revenue or compliance",
                "Backups, replication or replay sized to the risk",
                "How the acceptable data loss (RPO) was decided",
            ]),
        pattern(
            "biz.choice.users", .business, [.language, .framework, .other],
            ko: "{where}에 {tech:을} 쓴 결정이 출시 속도, 유지보수 비용, 채용 같은 비즈니스 요소에 어떤 영향을 주었나요?",
            koTopic: "{tech}, 출시 속도, 유지보수 비용",
            koCover: [
                "개발·출시 속도에 준 영향",
                "유지보수와 운영 비용 측면의 효과",
                "팀 확장과 채용에 미치는 영향",
            ],
            en: "How did choosing {tech} for {where} affect business factors such as time to market, maintenance cost and hiring?",
            enTopic: "{tech}, time to market, maintenance cost",
            enCover: [
                "Effect on development and release speed",
                "Maintenance and running cost",
                "Impact on growing and hiring for the team",
            ]),
    ]
}
