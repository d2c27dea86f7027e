//! Table tests of the classifier, one table per way it used to go wrong, each
//! emergency with its calm twin: an emergency described without its keyword (and the
//! same words where nothing is happening), an emergency gone by or supposed, a single
//! character inside another word, a complaint word denied, a word mentioned in
//! passing, Cantonese and slang polarity. The texts are from the tuning set
//! (`tests/data/classify_tuning.json`) or written here, never from the blind set.

use anju_shared::classify::{classify, decide};
use anju_shared::model::Category;

/// `(text, category, urgent)`.
type Row = (&'static str, &'static str, bool);

fn check(table: &[Row]) {
    let mut wrong = Vec::new();
    for &(text, category, urgent) in table {
        let got = classify(text);
        let want = Category::parse(category);
        assert!(want.is_some(), "bad category in the table: {category}");
        if Some(got.category) != want || got.urgent != urgent {
            wrong.push(format!(
                "{text:?}: got {} urgent={}, want {category} urgent={urgent}",
                got.category, got.urgent
            ));
        }
        // `decide` is the same scan: the same answers.
        let d = decide(text);
        assert_eq!(
            (d.category, d.urgent),
            (got.category, got.urgent),
            "{text:?}"
        );
        assert_eq!(d.topic, got.topic.as_deref(), "{text:?}");
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Gas known by its smell and by fear of a spark; water pouring, rising, running down a
/// ramp; a smoke alarm with a smell of smoke; a child in the water; a hand caught in a
/// door turning purple. Each with its twin: the same sign, nothing happening.
#[test]
fn emergencies_described_and_their_calm_twins() {
    check(&[
        ("屋里全是臭鸡蛋的味道，我连开关都不敢碰", "security", true),
        (
            "垃圾房有股怪味，像坏掉的鸡蛋，麻烦清理一下",
            "environment",
            false,
        ),
        (
            "It smells like rotten eggs in the hallway on 8F, really strong",
            "security",
            true,
        ),
        (
            "The drain smells like rotten eggs, I think it's the sewer not gas",
            "environment",
            false,
        ),
        (
            "房間裡有臭蛋味，不敢開燈也不敢打電話，現在在門外",
            "security",
            true,
        ),
        (
            "下水道一股臭鸡蛋味，应该是存水弯干了，不是燃气",
            "environment",
            false,
        ),
        ("天花板的水像下雨一样往下淋，地板全湿了", "repair", true),
        (
            "卫生间吊顶偶尔滴一两滴水，不急，周末来看看就行",
            "repair",
            false,
        ),
        (
            "Rainwater is rushing down the car park ramp into B1, the drains can't keep up",
            "repair",
            true,
        ),
        ("车库有一小滩积水，应该是哪里渗水了", "repair", false),
        ("地库的水越涨越高，有几辆车已经泡到轮胎了", "repair", true),
        (
            "The basement wall is a bit damp after the rain, no standing water",
            "repair",
            false,
        ),
        (
            "邻居家的烟感一直在叫，门缝冒烟，里面好像没人",
            "security",
            true,
        ),
        ("烟感一直闪红灯还会滴一声，麻烦来换电池", "repair", false),
        (
            "smoke detector screaming in 703 and there's smoke coming under the door",
            "security",
            true,
        ),
        (
            "My smoke detector keeps chirping, can someone replace it",
            "repair",
            false,
        ),
        ("泳池里有个小孩沉下去了没浮上来", "security", true),
        ("泳池深水区建议多加一个救生员", "suggestion", false),
        (
            "someone is drowning in the pool, the lifeguard is not there",
            "security",
            true,
        ),
        (
            "How deep is the pool at the deep end? My son is learning to swim",
            "consultation",
            false,
        ),
        ("細路隻手俾門夾住咗，手指都變紫色", "security", true),
        (
            "单元门关门太猛，容易夹手，麻烦调一下闭门器",
            "repair",
            false,
        ),
        (
            "My daughter's fingers are trapped in the fire door and turning blue",
            "security",
            true,
        ),
        (
            "The lift doors close too fast, they nearly caught my daughter's hand",
            "repair",
            false,
        ),
        (
            "电梯门打不开了，我和女儿在里面，已经十分钟了",
            "repair",
            true,
        ),
        ("电梯门关不上，一直开开关关", "repair", false),
        // Issue 15 (tuning batches 6–8).
        ("厨房的软管那里嘶嘶响，闻着有股臭味", "security", true),
        (
            "The sink smells a bit eggy, probably the drain",
            "environment",
            false,
        ),
        ("楼顶水箱溢水了，顺着楼梯一直往下流", "repair", true),
        ("热水器底下有点滴水", "repair", false),
        (
            "The electrical cupboard on our floor is crackling and smoking",
            "security",
            true,
        ),
        (
            "The electrical cupboard door on our floor won't close",
            "repair",
            false,
        ),
        ("我女儿的脚卡在扶梯里了", "security", true),
        ("电梯门关得太快，老人进出来不及", "repair", false),
        ("我家进贼了，人还在里面", "security", true),
        ("上周我家被偷了，监控能调吗", "security", false),
        ("车里关着个婴儿，车窗都关着，大人不在", "security", true),
        ("有人把车停在我车位上，打电话也不接", "vehicles", false),
        ("My son's hand is caught in the lift door", "security", true),
        (
            "No one's trapped, the lift just stopped on the ground floor",
            "repair",
            false,
        ),
        (
            "整个单元门口都是那种臭蛋的味，有人说别按门铃",
            "security",
            true,
        ),
        ("楼道里有股臭蛋味，是下水道返上来的", "environment", false),
    ]);
}

/// An emergency in the past, asked about, supposed or over is no emergency now.
#[test]
fn tense_past_questions_and_suppositions() {
    check(&[
        (
            "上个月有人被困电梯，后来电梯公司有没有全面检查",
            "consultation",
            false,
        ),
        ("电梯困人了，5栋2单元", "repair", true),
        (
            "Last week someone was trapped in lift B — has it been inspected since?",
            "consultation",
            false,
        ),
        (
            "Two people are trapped in lift 2 of block 9",
            "repair",
            true,
        ),
        (
            "去年台风时地库被淹，今年的防汛预案能公示一下吗",
            "consultation",
            false,
        ),
        ("大雨把车库淹了，水顺着坡道往下灌", "repair", true),
        (
            "The fire last month in block 7 — when will the corridor be repainted?",
            "consultation",
            false,
        ),
        (
            "Help, there's a fire in the bin chute on floor 10",
            "security",
            true,
        ),
        ("小区的急救箱在哪里", "consultation", false),
        ("我爸突然呼吸困难，需要救护车，我们在5栋", "security", true),
        (
            "上个月在车库滑倒受了伤，现在好了，建议地面做防滑处理",
            "suggestion",
            false,
        ),
        ("有人从楼梯上滚下来了，头破了在流血", "security", true),
        ("电梯困人的话应该怎么做？按哪个按钮", "consultation", false),
        ("闻到煤气味应该打哪个电话？先存一下", "consultation", false),
        ("闻到很大的煤气味，好像燃气泄漏", "security", true),
        (
            "之前厨房起火，保安用灭火器很快扑灭了，太感谢了",
            "praise",
            false,
        ),
        // Issue 15 (tuning batches 6–8).
        (
            "刚才闻到一点煤气味，开窗后就没了，是不是楼下在做饭",
            "consultation",
            false,
        ),
        (
            "早上闻到煤气味报过一次，现在味道又出来了，比早上还大",
            "security",
            true,
        ),
        ("单元门口一下雨就积水，鞋子都淹了", "repair", false),
        ("水还在往外喷，关不掉", "repair", true),
    ]);
}

/// A character inside another word, or a lift stopped with nobody in it.
#[test]
fn characters_inside_other_words() {
    check(&[
        ("楼下火锅店的排风扇太吵了", "environment", false),
        ("楼道里有烟，好像着火了！", "security", true),
        ("火龙果团购还有吗", "community_business", false),
        ("隔壁天天敲敲打打砸墙，从早上砸到天黑", "renovation", false),
        ("有人被高空抛物砸中头部，流了好多血", "security", true),
        ("电梯卡在3楼不动了，里面没人", "repair", false),
        (
            "The lift is stuck at floor 6, it's empty, we're taking the stairs",
            "repair",
            false,
        ),
        ("电梯卡在7楼和8楼中间，我妈在里面出不来", "repair", true),
        (
            "被困扰了很久，楼上马桶冲水声特别大，应该是管道问题",
            "repair",
            false,
        ),
        ("煤气炉点火不着，要找哪个部门", "consultation", false),
        // Issue 15 (tuning batches 6–8).
        ("热火朝天的装修声从早响到晚", "renovation", false),
        ("火灾险是物业买的吗", "consultation", false),
        ("楼下的跳楼价大甩卖喇叭太吵了", "community_business", false),
        ("门禁卡没反应了", "equipment", false),
    ]);
}

/// A complaint word said not to be one: the request after it decides.
#[test]
fn denied_complaints() {
    check(&[
        (
            "不是投诉啊，就是建议一下垃圾桶能不能多放几个",
            "suggestion",
            false,
        ),
        (
            "我不是投诉，就是想问问停车费为什么涨了",
            "consultation",
            false,
        ),
        (
            "Not complaining, just wondering when the gym reopens",
            "consultation",
            false,
        ),
        ("唔係投訴，建議大堂加部飲水機", "suggestion", false),
        (
            "I have no complaints at all, the service has been excellent",
            "praise",
            false,
        ),
        ("投訴！成個禮拜冇人清垃圾", "complaint", false),
        ("我不是第一次反映了，这次一定要投诉", "complaint", false),
        (
            "I'd like to make a complaint about the constant water outages",
            "complaint",
            false,
        ),
        // Issue 15 (tuning batches 6–8).
        (
            "没有什么不满意，就是想问下停车费能不能开发票",
            "consultation",
            false,
        ),
        ("我没在投诉，只是说一下情况：快递柜满了", "equipment", false),
        ("没有人被困，电梯停在二楼开不了门", "repair", false),
        ("並唔係火警，係有人煮嘢燶咗", "other", false),
    ]);
}

/// A word mentioned in passing does not beat the request: an earlier complaint inside
/// a thank-you, the neighbour's complaint inside a repair request, thanks before a
/// question.
#[test]
fn words_in_passing() {
    check(&[
        (
            "上周投诉的垃圾问题当天就处理了，效率很高，点赞",
            "praise",
            false,
        ),
        ("上次投訴嘅漏水已經整好，多謝晒", "praise", false),
        (
            "楼下邻居投诉我家卫生间漏水到他家，麻烦派人来查一下",
            "repair",
            false,
        ),
        (
            "My neighbour complained that my washing machine leaks into her ceiling, can someone check the pipes?",
            "repair",
            false,
        ),
        (
            "来修水管的师傅把我家弄得一团糟，还骂骂咧咧的，要投诉",
            "complaint",
            false,
        ),
        (
            "非常感谢保安每天辛苦站岗，建议冬天给岗亭装个暖气",
            "suggestion",
            false,
        ),
        (
            "谢谢管家上次帮忙，请问这个月物业费账单出了吗",
            "consultation",
            false,
        ),
        ("感谢维修师傅半夜过来帮我修水管,辛苦了", "praise", false),
        // Issue 15 (tuning batches 6–8).
        (
            "谢谢保安小李昨天帮我开门，另外我家厨房的水管在漏水，麻烦安排人修",
            "repair",
            false,
        ),
        (
            "先表扬一下保安，再说个事：单元门的闭门器坏了，门一直开着",
            "repair",
            false,
        ),
        (
            "保洁阿姨人很好，但是垃圾桶已经满了两天没人倒",
            "environment",
            false,
        ),
    ]);
}

/// Cantonese and internet slang: 態度好差 is not praise, 唔該晒 is thanks, not a paid
/// service, 绝绝子 is praise, sarcasm is a complaint.
#[test]
fn cantonese_and_slang_polarity() {
    check(&[
        ("前台嗰個姐姐態度好差，黑口黑面", "complaint", false),
        ("服務態度很差，很不滿意", "complaint", false),
        ("服務態度很好，很滿意", "praise", false),
        ("唔該晒你哋咁快處理", "praise", false),
        ("多謝晒清潔阿姐，樓梯好乾淨", "praise", false),
        ("保安小哥绝绝子，大半夜帮我找猫", "praise", false),
        ("维修师傅干得漂亮，又快又干净", "praise", false),
        ("这波物业操作给满分，yyds", "praise", false),
        ("客服回复太敷衍了，拉胯", "complaint", false),
        ("保安就是个摆设，外卖随便进", "complaint", false),
        // Issue 15 (tuning batches 6–8).
        ("可太棒了呢，垃圾三天没人收", "complaint", false),
        (
            "Thanks a lot for nothing, the bins still haven't been emptied",
            "complaint",
            false,
        ),
        ("師傅好掂，一陣就整好", "praise", false),
        ("冇得彈，保安好盡責", "praise", false),
    ]);
}

/// A sign of danger without what makes it urgent asks the resident one question; a
/// plain repair, an emergency and a question do not.
#[test]
fn the_safety_question_is_asked_when_unsure() {
    for (text, ask) in [
        ("楼道里有股臭鸡蛋的味道", true),
        ("The hallway smells like rotten eggs", true),
        ("小孩的手被门夹了一下，在哭", true),
        ("天花板在滴水，地上有水", false),
        ("厨余垃圾桶有股臭鸡蛋的味道，好几天没倒了", false),
        ("烟感一直闪红灯还会滴一声，麻烦来换电池", false),
        ("烟雾报警器响了一下", true),
        ("厨房水龙头一直滴水", false),
        ("空调不制冷，请安排维修", false),
        ("屋里全是臭鸡蛋的味道，我连开关都不敢碰", false),
        ("燃气费怎么交", false),
        ("上个月车库水浸那次，物业会赔吗", false),
        ("The toilet is blocked and won't flush", false),
    ] {
        let c = classify(text);
        assert_eq!(c.safety_question, ask, "{text:?}: {c:?}");
        assert_eq!(decide(text).safety_question, ask, "{text:?}");
        assert!(!(c.safety_question && c.urgent), "{text:?}");
    }
}
