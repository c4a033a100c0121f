"""Camera sentences in Chinese, for prompts written in Chinese.

A camera preset appends one sentence to the prompt (specs.apply_camera_movement). Appending the
English sentence to a Chinese prompt gives the text encoder a mixed-language prompt it was not
trained on ("一只猫在海滩上散步. The camera stays still..."); models that read Chinese (Wan's
UMT5, Kolors' ChatGLM) get the same direction in Chinese instead. Plain data: no torch.
"""

import re

# The same presets as specs.CAMERA_MOVEMENTS, by name (tests keep the two in step).
CAMERA_PROMPTS = {
    "static": "镜头固定不动。",
    "pan_left": "镜头缓慢向左摇。",
    "pan_right": "镜头缓慢向右摇。",
    "tilt_up": "镜头缓慢向上摇。",
    "tilt_down": "镜头缓慢向下摇。",
    "zoom_in": "镜头缓慢推近主体。",
    "zoom_out": "镜头缓慢拉远，展现整个场景。",
    "roll": "镜头绕自身轴线缓慢顺时针旋转。",
    "orbit": "镜头围绕主体平稳地环绕半圈。",
    "crane_up": "镜头升起并后移，从高处展现场景。",
    "dolly_zoom": "滑动变焦：镜头后退的同时推近主体。",
    "tracking": "镜头平稳地跟随主体向前移动。",
}
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
# Sentence ends after which no full stop is added.
_ENDS = ".!?。！？"


def is_chinese(prompt: str) -> bool:
    """Whether the prompt is written in Chinese: more Han characters than Latin words (a
    Chinese sentence naming "4K" or "iPhone" still is; an English one quoting 熊猫 is not)."""
    return len(_HAN.findall(prompt)) > len(_LATIN_WORD.findall(prompt))


def with_camera(prompt: str, movement: str) -> str:
    """`prompt` with the preset's Chinese sentence, after a Chinese full stop."""
    prompt = prompt.strip()
    if prompt and prompt[-1] not in _ENDS:
        prompt += "。"
    return prompt + CAMERA_PROMPTS[movement]
