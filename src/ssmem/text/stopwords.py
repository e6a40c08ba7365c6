"""The one list of function words: what phrases break at and what coverage and provenance
ignore. English function words and the words memory questions are phrased with ("what is
the latest ...", "give me the current ...").
"""

_FUNCTION_WORDS = """a an the of for to on in at by with from as into about over after before than
    is are was were be been being am it its this that these those there here
    and or but if then so not no nor me my mine we our us you your i he she they them his
    her their do does did done has have had will would can could should shall may might
    must what which who whom whose when where why how give tell show find get latest
    current currently now still right please earlier later previous previously first last
    original originally ever once any some all"""
STOPWORDS = frozenset(_FUNCTION_WORDS.split())
