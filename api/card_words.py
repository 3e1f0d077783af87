"""The profiling card's fixed wording in the languages the people served by a CPI often read and
that ESCO has occupation labels in (Italian, English, French, Spanish, Romanian, Portuguese,
Arabic), so that the card can be printed in Italian and in the person's language side by side.

Translations by the project; a mediator reading the card with the person is the check.
"""
from __future__ import annotations

RTL = {"ar"}
NAMES = {"it": "italiano", "en": "English", "fr": "français", "es": "español", "ro": "română", "pt": "português", "ar": "العربية"}

CARD_WORDS: dict[str, dict[str, str]] = {
    "it": {
        "title": "Scheda di profilatura", "office": "Ufficio", "operator": "Operatore", "date": "Data",
        "profile_version": "Profilo versione", "municipality": "Comune", "languages": "Lingue",
        "country": "Paese dell'esperienza", "years": "Anni di esperienza", "documents": "Documenti",
        "review": "Da rivedere da un esperto", "review_generic": "le professioni suggerite sono incerte: l'operatore le verifica con la persona.",
        "skills": "Competenze con evidenze", "skill": "Competenza", "words": "Parole a sostegno",
        "occupations": "Professioni e percorso", "occupation": "Professione", "pathway": "Percorso", "reasons": "Motivi",
        "observe": "Competenze da osservare", "vacancies": "Offerte vicine", "vacancy": "Offerta", "shortage": "Carenza",
        "score": "Punteggio", "sign_operator": "Firma dell'operatore", "sign_person": "Firma della persona",
        "esco": "Questo servizio usa la classificazione ESCO della Commissione europea",
        "certifiable": "certificabile", "internship_validation": "tirocinio di validazione", "training": "formazione",
        "qualification": "titolo di studio", "employment_contract": "contratti di lavoro",
        "training_certificate": "attestati di formazione", "none": "nessuno",
        "pathway_certifiable": "I documenti coprono le competenze principali: si può chiedere la certificazione.",
        "pathway_internship_validation": "Le competenze sembrano reali: un tirocinio serve a osservarle e validarle.",
        "pathway_training": "Mancano competenze importanti: si consiglia un corso di formazione.",
    },
    "en": {
        "title": "Profiling card", "office": "Office", "operator": "Operator", "date": "Date",
        "profile_version": "Profile version", "municipality": "Municipality", "languages": "Languages",
        "country": "Country of experience", "years": "Years of experience", "documents": "Documents",
        "review": "Needs an expert's review", "review_generic": "the suggested occupations are uncertain: the operator checks them with you.",
        "skills": "Skills with evidence", "skill": "Skill", "words": "Supporting words",
        "occupations": "Occupations and pathway", "occupation": "Occupation", "pathway": "Pathway", "reasons": "Reasons",
        "observe": "Skills to observe", "vacancies": "Nearby vacancies", "vacancy": "Vacancy", "shortage": "Shortage",
        "score": "Score", "sign_operator": "Operator's signature", "sign_person": "The person's signature",
        "esco": "This service uses the ESCO classification of the European Commission",
        "certifiable": "certifiable", "internship_validation": "validation internship", "training": "training",
        "qualification": "qualification", "employment_contract": "employment contracts",
        "training_certificate": "training certificates", "none": "none",
        "pathway_certifiable": "Your documents cover the main skills: certification can be requested.",
        "pathway_internship_validation": "Your skills look real: an internship is the way to observe and validate them.",
        "pathway_training": "Important skills are missing: a training course is advised.",
    },
    "fr": {
        "title": "Fiche de profilage", "office": "Bureau", "operator": "Conseiller", "date": "Date",
        "profile_version": "Version du profil", "municipality": "Commune", "languages": "Langues",
        "country": "Pays de l'expérience", "years": "Années d'expérience", "documents": "Documents",
        "review": "À revoir par un expert", "review_generic": "les métiers proposés sont incertains : le conseiller les vérifie avec vous.",
        "skills": "Compétences et preuves", "skill": "Compétence", "words": "Vos mots",
        "occupations": "Métiers et parcours", "occupation": "Métier", "pathway": "Parcours", "reasons": "Raisons",
        "observe": "Compétences à observer", "vacancies": "Offres proches", "vacancy": "Offre", "shortage": "Pénurie",
        "score": "Score", "sign_operator": "Signature du conseiller", "sign_person": "Signature de la personne",
        "esco": "Ce service utilise la classification ESCO de la Commission européenne",
        "certifiable": "certifiable", "internship_validation": "stage de validation", "training": "formation",
        "qualification": "diplôme", "employment_contract": "contrats de travail",
        "training_certificate": "attestations de formation", "none": "aucun",
        "pathway_certifiable": "Vos documents couvrent les compétences principales : la certification peut être demandée.",
        "pathway_internship_validation": "Vos compétences semblent réelles : un stage permet de les observer et de les valider.",
        "pathway_training": "Des compétences importantes manquent : une formation est conseillée.",
    },
    "es": {
        "title": "Ficha de perfil", "office": "Oficina", "operator": "Orientador", "date": "Fecha",
        "profile_version": "Versión del perfil", "municipality": "Municipio", "languages": "Idiomas",
        "country": "País de la experiencia", "years": "Años de experiencia", "documents": "Documentos",
        "review": "A revisar por un experto", "review_generic": "las ocupaciones sugeridas son inciertas: el orientador las comprueba con usted.",
        "skills": "Competencias con pruebas", "skill": "Competencia", "words": "Sus palabras",
        "occupations": "Ocupaciones y itinerario", "occupation": "Ocupación", "pathway": "Itinerario", "reasons": "Motivos",
        "observe": "Competencias a observar", "vacancies": "Ofertas cercanas", "vacancy": "Oferta", "shortage": "Escasez",
        "score": "Puntuación", "sign_operator": "Firma del orientador", "sign_person": "Firma de la persona",
        "esco": "Este servicio utiliza la clasificación ESCO de la Comisión Europea",
        "certifiable": "certificable", "internship_validation": "prácticas de validación", "training": "formación",
        "qualification": "título", "employment_contract": "contratos de trabajo",
        "training_certificate": "certificados de formación", "none": "ninguno",
        "pathway_certifiable": "Sus documentos cubren las competencias principales: se puede solicitar la certificación.",
        "pathway_internship_validation": "Sus competencias parecen reales: unas prácticas permiten observarlas y validarlas.",
        "pathway_training": "Faltan competencias importantes: se aconseja un curso de formación.",
    },
    "ro": {
        "title": "Fișă de profilare", "office": "Birou", "operator": "Consilier", "date": "Data",
        "profile_version": "Versiunea profilului", "municipality": "Localitate", "languages": "Limbi",
        "country": "Țara experienței", "years": "Ani de experiență", "documents": "Documente",
        "review": "De verificat de un expert", "review_generic": "ocupațiile propuse sunt nesigure: consilierul le verifică împreună cu dumneavoastră.",
        "skills": "Competențe și dovezi", "skill": "Competență", "words": "Cuvintele dumneavoastră",
        "occupations": "Ocupații și parcurs", "occupation": "Ocupație", "pathway": "Parcurs", "reasons": "Motive",
        "observe": "Competențe de observat", "vacancies": "Oferte apropiate", "vacancy": "Ofertă", "shortage": "Deficit",
        "score": "Scor", "sign_operator": "Semnătura consilierului", "sign_person": "Semnătura persoanei",
        "esco": "Acest serviciu folosește clasificarea ESCO a Comisiei Europene",
        "certifiable": "certificabil", "internship_validation": "stagiu de validare", "training": "formare",
        "qualification": "diplomă", "employment_contract": "contracte de muncă",
        "training_certificate": "certificate de formare", "none": "niciunul",
        "pathway_certifiable": "Documentele acoperă competențele principale: se poate cere certificarea.",
        "pathway_internship_validation": "Competențele par reale: un stagiu permite observarea și validarea lor.",
        "pathway_training": "Lipsesc competențe importante: se recomandă un curs de formare.",
    },
    "pt": {
        "title": "Ficha de perfil", "office": "Serviço", "operator": "Técnico", "date": "Data",
        "profile_version": "Versão do perfil", "municipality": "Município", "languages": "Línguas",
        "country": "País da experiência", "years": "Anos de experiência", "documents": "Documentos",
        "review": "A rever por um especialista", "review_generic": "as profissões sugeridas são incertas: o técnico verifica-as consigo.",
        "skills": "Competências com provas", "skill": "Competência", "words": "As suas palavras",
        "occupations": "Profissões e percurso", "occupation": "Profissão", "pathway": "Percurso", "reasons": "Motivos",
        "observe": "Competências a observar", "vacancies": "Ofertas próximas", "vacancy": "Oferta", "shortage": "Escassez",
        "score": "Pontuação", "sign_operator": "Assinatura do técnico", "sign_person": "Assinatura da pessoa",
        "esco": "Este serviço utiliza a classificação ESCO da Comissão Europeia",
        "certifiable": "certificável", "internship_validation": "estágio de validação", "training": "formação",
        "qualification": "diploma", "employment_contract": "contratos de trabalho",
        "training_certificate": "certificados de formação", "none": "nenhum",
        "pathway_certifiable": "Os seus documentos cobrem as competências principais: pode pedir a certificação.",
        "pathway_internship_validation": "As suas competências parecem reais: um estágio permite observá-las e validá-las.",
        "pathway_training": "Faltam competências importantes: aconselha-se um curso de formação.",
    },
    "ar": {
        "title": "بطاقة التوصيف المهني", "office": "المكتب", "operator": "المرشد", "date": "التاريخ",
        "profile_version": "نسخة الملف", "municipality": "البلدية", "languages": "اللغات",
        "country": "بلد الخبرة", "years": "سنوات الخبرة", "documents": "الوثائق",
        "review": "تحتاج إلى مراجعة خبير", "review_generic": "المهن المقترحة غير مؤكدة: يتحقق منها المرشد معك.",
        "skills": "المهارات مع الأدلة", "skill": "المهارة", "words": "كلماتك",
        "occupations": "المهن والمسار", "occupation": "المهنة", "pathway": "المسار", "reasons": "الأسباب",
        "observe": "المهارات التي ستتم ملاحظتها", "vacancies": "عروض عمل قريبة", "vacancy": "عرض العمل", "shortage": "نقص",
        "score": "النتيجة", "sign_operator": "توقيع المرشد", "sign_person": "توقيع الشخص",
        "esco": "تستخدم هذه الخدمة تصنيف ESCO التابع للمفوضية الأوروبية",
        "certifiable": "قابلة للإشهاد", "internship_validation": "تدريب عملي للتحقق", "training": "تكوين",
        "qualification": "شهادة دراسية", "employment_contract": "عقود عمل",
        "training_certificate": "شهادات تكوين", "none": "لا شيء",
        "pathway_certifiable": "وثائقك تغطي المهارات الأساسية: يمكن طلب الإشهاد.",
        "pathway_internship_validation": "مهاراتك تبدو حقيقية: التدريب العملي يسمح بملاحظتها والتحقق منها.",
        "pathway_training": "تنقص مهارات مهمة: يُنصح بدورة تكوينية.",
    },
}


def person_language(profile: dict, page_language: str, asked: str | None = None) -> str | None:
    """The second language of the card: the one asked for, else the narrative's, else the first
    language the person speaks that the card has wording in; none when it is the page's own."""
    candidates = [asked] if asked else [profile.get("narrative_language"), *(profile.get("languages") or [])]
    for lang in candidates:
        code = (lang or "").split("+")[0].strip().lower()[:2]
        if code in CARD_WORDS and code != page_language:
            return code
    return None
