"""HJ 212 code tables, as data, in one place.

Sources (hj212.md): §7 system codes ST (Table 5) and §B.5 (2025 additions); §8 command codes
CN (Table 9) and §B.4 (2025 additions); §9.1 ExeRtn (Table 6); §9.2 QnRtn (Table 7); §9.3 data
flags (Table 8); §9.4 on-site information codes (Table B.10, selection); §12.1–§12.3 factor
codes with default units; §12.4 the HJ/T 212—2005 → HJ 212—2017 code map (keyed by ST).

The tables are extendable (§7, §14): a code missing here is *unknown*, not invalid.  The
parser only rejects unknown codes when asked to (``strict_codes=True``).
"""

from __future__ import annotations

import re

__all__ = [
    "ST",
    "CN",
    "CN_2025",
    "EXE_RTN",
    "QN_RTN",
    "DATA_FLAGS",
    "INFO_CODES",
    "AIR_FACTORS",
    "FLUE_GAS_FACTORS",
    "WATER_FACTORS",
    "FACTORS",
    "CODE_2005_WATER",
    "CODE_2005_GAS",
    "VERSIONS",
    "PARAMETER_QUERY_CNS",
    "NOTIFY_CNS",
    "HEARTBEAT_CN",
    "is_known_factor",
    "translate_2005_code",
]

#: Flag version field (``Flag >> 2``) → edition (§4, §B.2).
VERSIONS = {0: "HJ/T 212—2005", 1: "HJ 212—2017", 2: "HJ 212—2025"}

#: System codes ST, Table 5 (§7) plus 2025's 44 (CONFIRMED) and 45 (UNCONFIRMED), §B.5.
ST = {
    "21": "地表水质量监测",
    "22": "空气质量监测",
    "23": "声环境质量监测",
    "24": "地下水质量监测",
    "25": "土壤质量监测",
    "26": "海水质量监测",
    "27": "挥发性有机物监测",
    "31": "大气环境污染源",
    "32": "地表水体环境污染源",
    "33": "地下水体环境污染源",
    "34": "海洋环境污染源",
    "35": "土壤环境污染源",
    "36": "声环境污染源",
    "37": "振动环境污染源",
    "38": "放射性环境污染源",
    "39": "工地扬尘污染源",
    "41": "电磁环境污染源",
    "44": "用电监控",  # HJ 212—2025, §B.5
    "45": "关键生产工况监控",  # HJ 212—2025, §B.5 (UNCONFIRMED)
    "51": "烟气排放过程监控",
    "52": "污水排放过程监控",
    "91": "系统交互",
}

#: Command codes CN, Table 9 (§8).
CN = {
    "1000": "设置超时时间及重发次数",
    "1011": "提取现场机时间",
    "1012": "设置现场机时间",
    "1013": "现场机时间校准请求",
    "1061": "提取实时数据间隔",
    "1062": "设置实时数据间隔",
    "1063": "提取分钟数据间隔",
    "1064": "设置分钟数据间隔",
    "1072": "设置现场机密码",
    "2011": "取/上传污染物实时数据",
    "2012": "停止察看污染物实时数据",
    "2021": "取/上传设备运行状态数据",
    "2022": "停止察看设备运行状态",
    "2031": "取/上传污染物日历史数据",
    "2041": "取/上传设备运行时间日历史数据",
    "2051": "取/上传污染物分钟数据",
    "2061": "取/上传污染物小时数据",
    "2081": "上传数采仪开机时间",
    "3011": "零点校准量程校准",
    "3012": "即时采样",
    "3013": "启动清洗/反吹",
    "3014": "比对采样",
    "3015": "超标留样",
    "3016": "设置采样时间周期",
    "3017": "提取采样时间周期",
    "3018": "提取出样时间",
    "3019": "提取设备唯一标识",
    "3020": "提取现场机信息",
    "3021": "设置现场机参数",
    "9011": "请求应答",
    "9012": "执行结果",
    "9013": "通知应答",
    "9014": "数据应答",
}

#: CNs new in HJ 212—2025 (§B.4); accepted by the parser like the 2017 ones (§B.9 item 4).
CN_2025 = {
    "1001": "上传数采仪硬件序号",
    "1002": "设置数采仪MN编码",
    "1014": "新密钥（提取/设置）",
    "2013": "取/上传原始监测数据",
    "2052": "噪声单次测量数据",
    "2062": "自动标样核查（校准）数据",
    "2111": "炉膛温度5 min均值",
    "3022": "下发即时留样任务",
    "3024": "启动标样核查",
    "9015": "心跳包",
}

ALL_CN = {**CN, **CN_2025}

HEARTBEAT_CN = "9015"

#: Host parameter queries whose site responses echo the request QN with A = 0 (§10.1).
PARAMETER_QUERY_CNS = frozenset({"1011", "1061", "1063", "3017", "3018", "3019", "3020"})

#: Notify commands answered with 9013 (§10.3; the 2025 heartbeat, §B.9 item 3).
NOTIFY_CNS = frozenset({"1013", "2012", "2022", "9015"})

#: ExeRtn, Table 6 (§9.1).
EXE_RTN = {
    1: "执行成功",
    2: "执行失败，但不知道原因",
    3: "命令请求条件错误",
    4: "通讯超时",
    5: "系统繁忙不能执行",
    6: "系统故障",
    100: "没有数据",
}

#: QnRtn, Table 7 (§9.2).
QN_RTN = {
    1: "准备执行请求",
    2: "请求被拒绝",
    3: "PW 错误",
    4: "MN 错误",
    5: "ST 错误",
    6: "Flag 错误",
    7: "QN 错误",
    8: "CN 错误",
    9: "CRC 校验错误",
    100: "未知错误",
}

#: Data flags ``xxxxxx-Flag``, Table 8 (§9.3).  Which flags enter statistics is the §9.3
#: policy (``statistics_valid_flags``), applied by the consumers, not by the codec.
DATA_FLAGS = {
    "N": "正常",
    "F": "停运",
    "M": "维护",
    "S": "手工输入的设定值",
    "D": "故障",
    "C": "校准",
    "T": "超测上限",
    "B": "通讯异常",
}

#: On-site information codes, Table B.10 selection (§9.4) and 2025's i23005–i23008 (§B.6).
INFO_CODES = {
    "i11001": "仪器日志",
    "i12001": "仪器工作状态",
    "i12002": "仪器与数采仪通讯状态",
    "i12003": "COD 仪器报警状态",
    "i13001": "测量量程",
    "i13002": "测量精度",
    "i13003": "测量间隔",
    "i13004": "消解温度",
    "i13005": "消解时长",
    "i13006": "校准时间",
    "i13007": "截距",
    "i13008": "斜率",
    "i13009": "检出限",
    "i21001": "数采仪日志",
    "i22001": "数采仪运行状态",
    "i22003": "数采仪与上位机通讯状态",
    "i23001": "当地大气压",
    "i23005": "数采仪序号",
    "i23006": "CPU 序号",
    "i23007": "MAC 地址 1",
    "i23008": "MAC 地址 2",
    "i33001": "CEMS 伴热管温度",
    "i33002": "CEMS 冷凝器温度",
    "I33400": "生产负荷",
}

#: Ambient air (ST 22), §12.1: code → (name, practical unit at air stations).
AIR_FACTORS = {
    "a21026": ("SO2 二氧化硫", "µg/m³"),
    "a21004": ("NO2 二氧化氮", "µg/m³"),
    "a21005": ("CO 一氧化碳", "mg/m³"),
    "a05024": ("O3 臭氧", "µg/m³"),
    "a34002": ("PM10 可吸入颗粒物", "µg/m³"),
    "a34004": ("PM2.5 细颗粒物", "µg/m³"),
    "a21002": ("NOx 氮氧化物", "µg/m³"),
    "a21003": ("NO 一氧化氮", "µg/m³"),
    "a01001": ("温度", "°C"),
    "a01002": ("湿度", "%"),
    "a01006": ("气压", "kPa"),
    "a01007": ("风速", "m/s"),
    "a01008": ("风向", "°"),
}

#: Flue-gas sources (ST 31), §12.2 / Table B.2: code → (name, default unit).
FLUE_GAS_FACTORS = {
    "a00000": ("废气流量", "m³/s"),
    "a01011": ("烟气流速", "m/s"),
    "a01012": ("烟气温度", "°C"),
    "a01013": ("烟气压力", "kPa"),
    "a01014": ("烟气湿度", "%"),
    "a01015": ("制冷温度", "°C"),
    "a01016": ("烟道截面积", "m²"),
    "a01017": ("烟气动压", "kPa"),
    "a19001": ("氧气含量", "%"),
    "a21026": ("二氧化硫", "mg/m³"),
    "a21002": ("氮氧化物", "mg/m³"),
    "a21003": ("一氧化氮", "mg/m³"),
    "a21004": ("二氧化氮", "mg/m³"),
    "a21005": ("一氧化碳", "mg/m³"),
    "a34013": ("烟尘", "mg/m³"),
    "a21028": ("硫化氢", "mg/m³"),
    "a21024": ("氯化氢", "mg/m³"),
    "a21001": ("氨", "ng/m³"),  # printed unit in Table B.2 (§12.2)
    "a21018": ("氟化物", "mg/m³"),
    "a21017": ("氰化物", "mg/m³"),
    "a21022": ("氯气", "mg/m³"),
    "a24088": ("非甲烷总烃", "mg/m³"),
    "a24087": ("碳氢化合物", "mg/m³"),
    "a01010": ("林格曼黑度", ""),
    "a01901": ("垃圾焚烧炉膛内焚烧平均温度", "°C"),
    "a01902": ("垃圾焚烧炉膛内 DCS 温度", "°C"),
}

#: Water sources and water quality (ST 32, 21), §12.3 / Table B.1: code → (name, default unit).
#: The w20122/w20123/w20128 and w20138–w20144 rows come from a transcription (§12.3, UNCONFIRMED).
WATER_FACTORS = {
    "w00000": ("污水", "L/s"),
    "w01001": ("pH", ""),
    "w01009": ("溶解氧", "mg/L"),
    "w01010": ("水温", "°C"),
    "w01014": ("电导率", "µS/cm"),
    "w01003": ("浑浊度", "NTU"),
    "w01012": ("悬浮物", "mg/L"),
    "w01017": ("五日生化需氧量", "mg/L"),
    "w01018": ("化学需氧量", "mg/L"),
    "w01019": ("高锰酸盐指数", "mg/L"),
    "w01020": ("总有机碳", "mg/L"),
    "w21003": ("氨氮", "mg/L"),
    "w21011": ("总磷", "mg/L"),
    "w21001": ("总氮", "mg/L"),
    "w02003": ("粪大肠菌群", "个/L"),
    "w20111": ("总汞", "µg/L"),
    "w20115": ("总镉", "µg/L"),
    "w20116": ("总铬", "mg/L"),
    "w20117": ("六价铬", "µg/L"),
    "w20119": ("总砷", "µg/L"),
    "w20120": ("总铅", "µg/L"),
    "w20122": ("总铜", "mg/L"),
    "w20123": ("总锌", "mg/L"),
    "w20128": ("总硒", "µg/L"),
    "w20138": ("铜", "mg/L"),
    "w20139": ("锌", "mg/L"),
    "w20140": ("硒", "mg/L"),
    "w20141": ("砷", "mg/L"),
    "w20142": ("汞", "µg/L"),
    "w20143": ("镉", "µg/L"),
    "w20144": ("铅", "mg/L"),
    "w22001": ("石油类", "mg/L"),
    "w23002": ("挥发酚", "mg/L"),
    "w21016": ("氰化物", "mg/L"),
    "w21017": ("氟化物", "mg/L"),
    "w21019": ("硫化物", "mg/L"),
    "w19002": ("阴离子表面活性剂", "mg/L"),
}

FACTORS = {**WATER_FACTORS, **FLUE_GAS_FACTORS, **AIR_FACTORS}

#: HJ/T 212—2005 → HJ 212—2017 codes (§12.4).  Water and gas overlap ("010" vs "10"), so
#: the map is chosen by ST, never by the code alone.
CODE_2005_WATER = {
    "B01": "w00000", "001": "w01001", "002": "w01002", "003": "w01012", "010": "w01017",
    "011": "w01018", "015": "w01020", "060": "w21003", "065": "w21001", "101": "w21011",
    "020": "w20111", "022": "w20115", "023": "w20116", "024": "w20117", "026": "w20119",
    "027": "w20120", "029": "w20122", "030": "w20123", "035": "w20128", "080": "w22001",
    "110": "w23002", "070": "w21016", "072": "w21017", "071": "w21019", "550": "w02003",
    "520": "w19002",
}  # fmt: skip
CODE_2005_GAS = {
    "B02": "a00000", "S01": "a19001", "S02": "a01011", "S03": "a01012", "S04": "a01017",
    "S05": "a01014", "S06": "a01015", "S07": "a01016", "S08": "a01013", "01": "a34013",
    "02": "a21026", "03": "a21002", "04": "a21005", "05": "a21028", "06": "a21018",
    "07": "a21017", "08": "a21024", "10": "a21001", "11": "a21022", "37": "a01010",
}  # fmt: skip

#: Code families whose members are too many to list: process codes e/g (§12.5, Tables
#: B.4–B.7), information codes i (§9.4), facility codes SBxxx (§5.2), 2025's d/p families
#: (§B.6, UNCONFIRMED).
_FAMILY = re.compile(r"(?a)(?:[eg]\d{5}|[iI]\d{5}|SB\d{1,3}|[dp]\d{5})")


def is_known_factor(code: str) -> bool:
    """True when ``code`` is in the factor tables or one of the listed code families."""
    return code in FACTORS or code in INFO_CODES or _FAMILY.fullmatch(code) is not None


def translate_2005_code(code: str, st: str) -> str | None:
    """2017 code of a 2005 factor code, chosen by system code ``st`` (§12.4).

    Returns ``None`` when there is no mapping (including when ``st`` is neither a water
    nor a gas system).
    """
    if st in ("32", "21", "33", "52"):
        return CODE_2005_WATER.get(code)
    if st in ("31", "22", "51"):
        return CODE_2005_GAS.get(code)
    return None
