"""The words plain questions are read with, in English, French and Spanish (folded: lower case,
no accents, punctuation as spaces, as `storage.text.fold` gives them).

`handlers.intents` holds the rules; this module holds the vocabularies they share: the words
that give a question's language away, the words that are not a member's name, the months, and
the keywords a misspelling is corrected to.
"""

from __future__ import annotations

# Words only one of the three languages uses (a word in two lists says nothing).
LANGUAGE_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset("""
        who whom whose what which when where how why is are was were the of for my mine our we
        i am next meeting meetings gathering summit call members member countries states
        overdue late behind due tasks task items steering group chair chairs chairing help
        calendar schedule events show list tell give this month upcoming any there does do did
        can could should would please contact represents person what s whats who s
        january february march april may june july august september october november december
        open pending friends have has in on at with about hello hi thanks
    """.split()),
    "fr": frozenset("""
        qui quel quelle quels quelles est sont le les du des au aux pour prochaine prochain
        prochaines prochains quand mon ma notre retard retards groupe pilotage membres
        membre pays etats etat fait partie suis je moi aide calendrier taches tache suivi
        suivis faire dois doit ce cette ces mois ci janvier fevrier avril mai juin juillet aout
        septembre octobre novembre decembre qu il t ont avons ou quoi comment seance seances
        rencontre rencontres amis represente points focaux sommet appel presidence preside
        engagements echeance echues depassees ouvertes cours nous vous pouvez savez dites
        correspondant interlocuteur actuellement avec l d bonjour salut merci et
        reunit reunissons reunira liste lieu
    """.split()),
    "es": frozenset("""
        quien quienes cual cuales es son el los las del al para proxima proximo proximas proximos
        cuando mi mis grupo directivo miembros miembro paises estados acciones accion tareas
        tarea atrasadas atrasados atrasada atrasado retrasadas vencidas vencido pendientes
        pendiente amigos foro reuniones soy yo ayuda calendario este esta estan hay tengo
        tenemos debo debemos usted como enero febrero marzo abril mayo junio julio agosto
        septiembre octubre noviembre diciembre seguimiento punto puntos focales sesion
        sesiones cumbre llamada representa presidencia preside compromisos abiertas por favor
        nuestras nuestros hacer puede dime digame cuentan forman parte con sobre hola gracias
        buenos buenas dias reunimos reune reunira alguna algun ocupa
    """.split()),
}

# Words that are not part of a member's name in a question ("who is the focal point for ...").
STOPWORDS = frozenset("""
    a an the is are was were be of for from in on at by to about with and or me us our your my i
    who whom whose what which when where how why does do did can could would should please tell
    show list give get find know there s it its this that these those any some all has have
    focal focals point points person contact contacts representative represents rep
    action actions item items task tasks todo to do overdue late behind past due missed delayed
    open pending commitments commitment deliverable deliverables follow ups up
    country member state organisation organization anything something everything now today
    currently still yet group
    qui quel quelle quels quelles est sont le la les l un une des du de d au aux pour par sur
    avec et ou mon ma mes notre nos votre vos je j moi nous vous il elle on ce cet cette ces ca
    cela que qu quoi y t ont suis etes etre dois doit peut puis faire fait partie dire pouvez
    savez voudrais aimerais connaitre savoir plait svp merci bonjour correspondant
    interlocuteur personne representant represente representent focaux contacter ecrire
    adresser suivi suivis tache taches engagement engagements livrable livrables retard
    retards echu echue echues echus depasse depassee depassees depasses ouvert ouverte
    ouvertes ouverts en cours groupe etat membre encore maintenant aujourd hui actuel
    actuelle actuellement delegation
    quien quienes cual cuales es son el los las lo una unos unas del al para por sobre con
    mi mis nuestro nuestra nuestros nuestras su sus usted ustedes yo se esta estan este estos
    esa ese hay tiene tienen tengo tenemos debo debemos puede puedo podria decir dime digame
    quisiera favor gracias hola persona representante representa representan punto puntos
    focales contacto contactar escribir llamar accion acciones seguimiento tarea tareas
    compromiso compromisos entregable entregables pendiente pendientes atrasada atrasadas
    atrasado atrasados retrasada retrasadas retrasado retrasados vencida vencidas vencido
    vencidos abierta abiertas grupo estado miembro organizacion ahora hoy actualmente todavia
    aun delegacion hacer alguna alguno algun algunas algunos algo nada ocupa quelque
    quelques chose rien liste date lieu anything
""".split())

# Words that join the parts of a name ("Trinité-et-Tobago", "Bosnia y Herzegovina", "Republic
# of Korea"): kept when they stand between two words of the name.
CONNECTORS = frozenset("of and the de del des du d et y la el los las le les l".split())

MONTHS: dict[str, int] = {
    **{m: i + 1 for i, m in enumerate((
        "january", "february", "march", "april", "may", "june", "july", "august", "september",
        "october", "november", "december"))},
    **{m: i + 1 for i, m in enumerate((
        "janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre",
        "octobre", "novembre", "decembre"))},
    **{m: i + 1 for i, m in enumerate((
        "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
        "octubre", "noviembre", "diciembre"))},
    **{m: i + 1 for i, m in enumerate((
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))},
}

THIS_MONTH = ("this month", "ce mois", "este mes", "mes en curso", "mois en cours")
NEXT_MONTH = ("next month", "mois prochain", "mois suivant", "proximo mes", "mes proximo",
              "mes que viene", "mes siguiente")

# Words the rules look for; a misspelt one ("focla", "reunoin") is corrected before matching.
VOCABULARY = sorted({
    "focal", "point", "troika", "steering", "meeting", "meetings", "overdue", "actions",
    "action", "members", "member", "countries", "calendar", "schedule", "represents",
    "representative", "contact", "deadline", "pending", "chair", "next", "group", "tasks",
    "delayed", "summit", "session", "agenda", "upcoming", "participants",
    # French
    "reunion", "reunions", "prochaine", "prochain", "pilotage", "groupe", "membres", "retard",
    "calendrier", "taches", "focaux", "represente", "presidence",
    # Spanish
    "reuniones", "proxima", "proximo", "directivo", "miembros", "acciones", "atrasadas",
    "atrasados", "pendientes", "tareas", "calendario", "punto", "focales", "representa",
    "presidencia", "seguimiento", "vencidas", "reunimos", "reunit", "reunissons", "reunira",
})
