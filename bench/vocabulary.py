"""French words for the synthetic directory: titles, summaries and venues per sub-category.

Every title of a sub-category carries the word residents type for it ("tricot", "théâtre",
"jardinage", "chorale"...), so text search finds the activities one expects.
"""

# Sub-category slug -> (relative frequency, titles, summaries).
LEAVES: dict[str, tuple[int, tuple[str, ...], tuple[str, ...]]] = {
    # bouger-sport
    "gym-douce": (
        9,
        ("Gym douce", "Gymnastique douce", "Gym douce et étirements", "Gym seniors"),
        ("Des mouvements simples pour garder la forme, à son rythme, avec un animateur diplômé.",),
    ),
    "marche-randonnee": (
        8,
        ("Marche du matin", "Randonnée pédestre", "Marche nordique", "Club de marche"),
        ("Une marche en groupe de 5 à 8 km sur les chemins des environs, sans compétition.",),
    ),
    "danse": (
        4,
        ("Danse de salon", "Danse en ligne", "Atelier danse", "Country et danse en ligne"),
        ("Apprendre quelques pas et danser ensemble, débutants bienvenus.",),
    ),
    "yoga-relaxation": (
        5,
        ("Yoga doux", "Yoga sur chaise", "Relaxation et sophrologie", "Yoga du rire"),
        ("Postures accessibles, respiration et relaxation, aussi sur chaise.",),
    ),
    "natation-aquagym": (
        3,
        ("Aquagym", "Natation loisir", "Aquagym douce"),
        ("Séance en piscine avec un maître-nageur, dans le petit bassin.",),
    ),
    "petanque-boules": (
        4,
        ("Pétanque", "Club de pétanque", "Boules et palets"),
        ("Parties de pétanque amicales sur le terrain du quartier, boules prêtées.",),
    ),
    "tai-chi-qi-gong": (
        2,
        ("Tai-chi", "Qi gong", "Tai-chi chuan"),
        ("Gestes lents et respiration pour l'équilibre et la détente.",),
    ),
    "velo": (
        2,
        ("Balade à vélo", "Club vélo loisir", "Vélo électrique en groupe"),
        ("Sorties à vélo sur les petites routes et les voies vertes, à allure tranquille.",),
    ),
    "equilibre-prevention-chutes": (
        3,
        ("Atelier équilibre", "Prévention des chutes", "Équilibre et mémoire du corps"),
        ("Exercices pour garder l'équilibre et se relever en confiance.",),
    ),
    # culture-arts
    "chorale-chant": (
        6,
        ("Chorale", "Chorale du quartier", "Chant choral", "Atelier chant"),
        ("Chanter ensemble un répertoire de chansons françaises, sans savoir lire la musique.",),
    ),
    "theatre": (
        4,
        ("Atelier théâtre", "Troupe de théâtre amateur", "Théâtre d'improvisation"),
        ("Jeux de scène, improvisation et un spectacle en fin de saison.",),
    ),
    "peinture-dessin": (
        5,
        ("Atelier peinture", "Dessin et aquarelle", "Peinture sur soie", "Croquis en plein air"),
        ("Aquarelle, pastel ou acrylique : chacun avance sur son projet avec des conseils.",),
    ),
    "lecture-club-lecture": (
        4,
        ("Club de lecture", "Lecture partagée", "Café lecture"),
        ("On parle des livres aimés ou détestés, autour d'un café, à la médiathèque.",),
    ),
    "cinema": (
        2,
        ("Ciné-club", "Cinéma et discussion", "Séance de cinéma"),
        ("Un film, puis un échange convivial sur ce qu'on a vu.",),
    ),
    "musees-patrimoine": (
        2,
        ("Visite du patrimoine", "Sortie au musée", "Découverte du patrimoine local"),
        ("Visites guidées des musées et monuments de la région, transport organisé.",),
    ),
    "musique": (
        3,
        ("Atelier musique", "Orchestre amateur", "Guitare pour débutants"),
        ("Jouer ensemble, quel que soit son instrument et son niveau.",),
    ),
    "photographie": (
        2,
        ("Club photo", "Atelier photographie", "Balade photographique"),
        ("Apprendre à cadrer et partager ses photos, téléphone ou appareil.",),
    ),
    # loisirs-creatifs
    "tricot-couture": (
        6,
        ("Atelier tricot", "Tricot et couture", "Club tricot-thé", "Atelier couture"),
        ("Tricot, crochet et couture : on apporte son ouvrage ou on apprend les bases.",),
    ),
    "travail-du-bois": (
        1,
        ("Atelier bois", "Menuiserie partagée", "Sculpture sur bois"),
        ("Petits travaux de menuiserie et de sculpture, outils sur place.",),
    ),
    "repair-cafe": (
        2,
        ("Repair café", "Atelier réparation", "Répar'café"),
        ("Des bénévoles aident à réparer petit électroménager, vêtements et vélos.",),
    ),
    "poterie-ceramique": (
        1,
        ("Atelier poterie", "Céramique et modelage", "Poterie pour tous"),
        ("Modelage de la terre et cuisson au four de l'atelier.",),
    ),
    "bricolage": (
        2,
        ("Atelier bricolage", "Bricolage et petites réparations", "Club bricolage"),
        ("Petits travaux et astuces de bricolage, dans la bonne humeur.",),
    ),
    "art-floral": (
        2,
        ("Art floral", "Composition florale", "Atelier bouquets"),
        ("Composer un bouquet de saison à rapporter chez soi.",),
    ),
    # nature-jardinage
    "jardin-partage": (
        4,
        ("Jardin partagé", "Jardin partagé du quartier", "Potager collectif"),
        ("Une parcelle cultivée ensemble : jardinage, semis et récoltes partagées.",),
    ),
    "ateliers-jardinage": (
        4,
        ("Atelier jardinage", "Jardinage au naturel", "Jardinage sur balcon"),
        ("Conseils de jardinage sans pesticides, semis, boutures et échanges de graines.",),
    ),
    "balades-nature": (
        3,
        ("Balade nature", "Sortie nature", "Découverte des plantes sauvages"),
        ("Une promenade commentée pour découvrir la faune et la flore des environs.",),
    ),
    "observation-oiseaux": (
        1,
        ("Observation des oiseaux", "Sortie ornithologie", "Oiseaux du quartier"),
        ("Jumelles prêtées, on apprend à reconnaître les oiseaux et leurs chants.",),
    ),
    "compostage": (
        1,
        ("Atelier compostage", "Compost collectif", "Compostage et jardinage"),
        ("Apprendre à composter et entretenir le composteur partagé.",),
    ),
    # apprendre-numerique
    "aide-numerique": (
        5,
        ("Aide numérique", "Atelier informatique", "Tablette et smartphone", "Numérique pour tous"),
        ("Apprendre à se servir d'une tablette, d'un smartphone ou d'un ordinateur, pas à pas.",),
    ),
    "langues-etrangeres": (
        3,
        ("Conversation anglaise", "Cours d'espagnol", "Atelier langues", "Italien pour débutants"),
        ("Pratiquer une langue étrangère en petit groupe, dans une ambiance détendue.",),
    ),
    "conversation-francais": (
        3,
        ("Conversation en français", "Atelier français langue étrangère", "Café français"),
        ("Pratiquer le français à l'oral pour les nouveaux arrivants, tous niveaux.",),
    ),
    "conferences-universite-populaire": (
        2,
        ("Université populaire", "Conférence du mardi", "Cycle de conférences"),
        ("Conférences ouvertes à tous sur l'histoire, les sciences et la société.",),
    ),
    "ateliers-ecriture": (
        2,
        ("Atelier d'écriture", "Écriture et souvenirs", "Atelier écriture créative"),
        ("Écrire à partir de consignes simples et partager ses textes.",),
    ),
    "ateliers-memoire": (
        4,
        ("Atelier mémoire", "Gym cerveau", "Mémoire et jeux"),
        ("Exercices ludiques pour entretenir la mémoire et la concentration.",),
    ),
    # jeux
    "jeux-de-societe": (
        5,
        ("Jeux de société", "Après-midi jeux", "Club de jeux"),
        ("Jeux de société classiques et nouveautés, pour passer un bon moment ensemble.",),
    ),
    "belote-tarot": (
        6,
        ("Belote", "Club belote et tarot", "Concours de belote", "Tarot"),
        ("Parties de belote et de tarot entre amis, débutants accueillis.",),
    ),
    "bridge": (
        2,
        ("Bridge", "Club de bridge", "Initiation au bridge"),
        ("Parties libres et initiation au bridge avec des joueurs confirmés.",),
    ),
    "echecs": (
        1,
        ("Échecs", "Club d'échecs", "Initiation aux échecs"),
        ("Parties amicales et initiation aux échecs, tous âges.",),
    ),
    "scrabble-jeux-de-lettres": (
        3,
        ("Scrabble", "Club de scrabble", "Jeux de lettres"),
        ("Scrabble en duplicate ou en partie libre, mots croisés et jeux de lettres.",),
    ),
    "loto-quiz": (
        2,
        ("Loto", "Quiz du jeudi", "Loto et goûter"),
        ("Un loto ou un quiz convivial, petits lots à gagner.",),
    ),
    # repas-cuisine
    "repas-partages": (
        5,
        ("Repas partagé", "Déjeuner convivial", "Repas des aînés", "Table d'hôtes solidaire"),
        ("Un repas pris ensemble pour ne plus manger seul, chacun participe selon ses moyens.",),
    ),
    "ateliers-cuisine": (
        3,
        ("Atelier cuisine", "Cuisine du monde", "Cuisine et petits budgets"),
        ("On cuisine ensemble des recettes simples, puis on partage le repas.",),
    ),
    "gouters": (
        3,
        ("Goûter convivial", "Goûter du mercredi", "Thé et gâteaux"),
        ("Un goûter pour se retrouver, discuter et faire connaissance.",),
    ),
    "pique-niques": (
        1,
        ("Pique-nique", "Pique-nique au parc", "Déjeuner sur l'herbe"),
        ("Pique-nique partagé au parc, chacun apporte un plat.",),
    ),
    # convivialite
    "cafe-rencontre": (
        6,
        ("Café rencontre", "Café des voisins", "Café papote"),
        ("Un café offert pour rencontrer ses voisins et discuter de tout et de rien.",),
    ),
    "cafe-du-matin": (
        3,
        ("Café du matin", "Petit-déjeuner convivial", "Café croissant"),
        ("Commencer la journée autour d'un café, d'un journal et de quelques voisins.",),
    ),
    "cafe-social": (
        3,
        ("Café social", "Café solidaire", "Café des aidants et des voisins"),
        ("Un lieu d'accueil chaleureux et d'information, sans rendez-vous.",),
    ),
    "fetes-de-quartier": (
        2,
        ("Fête de quartier", "Repas de quartier", "Fête des voisins"),
        ("Musique, repas et jeux pour faire la fête entre voisins.",),
    ),
    "thes-dansants": (
        2,
        ("Thé dansant", "Bal de l'après-midi", "Guinguette"),
        ("Un après-midi dansant avec orchestre, valse, tango et paso doble.",),
    ),
    # entraide-groupes-de-parole
    "deuil": (
        2,
        ("Groupe de parole deuil", "Café deuil", "Accompagnement du deuil"),
        ("Un groupe de parole pour les personnes en deuil, avec une psychologue.",),
    ),
    "aidants": (
        3,
        ("Café des aidants", "Groupe de parole des aidants", "Halte répit aidants"),
        ("Échanger entre proches aidants, souffler et trouver des solutions.",),
    ),
    "cancer": (
        1,
        ("Groupe de parole cancer", "Rencontre après le cancer", "Atelier bien-être et cancer"),
        ("Un espace d'écoute et d'échange pour les personnes touchées par le cancer.",),
    ),
    "maladies-chroniques": (
        1,
        ("Groupe diabète", "Vivre avec une maladie chronique", "Atelier patients experts"),
        ("Partager son expérience de la maladie et des astuces du quotidien.",),
    ),
    "sante-mentale": (
        2,
        ("Groupe d'entraide mutuelle", "Groupe de parole santé mentale", "GEM accueil"),
        ("Un groupe d'entraide pour rompre l'isolement et parler librement.",),
    ),
    "addictions": (
        1,
        ("Groupe de parole addictions", "Réunion alcool entraide", "Groupe sans tabac"),
        ("Un groupe d'entraide anonyme et bienveillant, sans jugement.",),
    ),
    "solitude-isolement": (
        3,
        ("Rompre la solitude", "Groupe de parole solitude", "Rencontres contre l'isolement"),
        ("Se retrouver pour parler de la solitude et créer des liens.",),
    ),
    # amitie-visites
    "visites-a-domicile": (
        3,
        ("Visites de convivialité", "Visites à domicile", "Un bénévole chez vous"),
        ("Un bénévole vient vous rendre visite chaque semaine pour discuter et partager.",),
    ),
    "appels-convivialite": (
        2,
        ("Appels de convivialité", "Un coup de fil amical", "Téléphone solidaire"),
        ("Un appel régulier d'un bénévole pour prendre des nouvelles et bavarder.",),
    ),
    "parrainage-amical": (
        1,
        ("Parrainage amical", "Binômes d'amitié", "Voisin solidaire"),
        ("Une personne bénévole et vous : un lien d'amitié dans la durée.",),
    ),
    "correspondance": (
        1,
        ("Correspondance amicale", "Lettres partagées", "Un ami par courrier"),
        ("Échanger des lettres avec un correspondant bénévole.",),
    ),
    "accompagnement-sorties": (
        2,
        ("Accompagnement aux sorties", "Sorties accompagnées", "Courses accompagnées"),
        ("Un bénévole vous accompagne pour les courses, une promenade ou un rendez-vous.",),
    ),
    # benevolat-citoyennete
    "benevolat-solidaire": (
        3,
        ("Bénévolat solidaire", "Devenir bénévole", "Rejoindre l'équipe bénévole"),
        ("Donner un peu de temps pour une association du quartier, selon ses envies.",),
    ),
    "aide-alimentaire": (
        2,
        ("Distribution alimentaire", "Épicerie solidaire", "Banque alimentaire"),
        ("Tri et distribution de denrées, dans une équipe accueillante.",),
    ),
    "aide-aux-devoirs": (
        2,
        ("Aide aux devoirs", "Accompagnement scolaire", "Soutien scolaire bénévole"),
        ("Aider des enfants du quartier à faire leurs devoirs, une fois par semaine.",),
    ),
    "ramassage-dechets": (
        1,
        ("Ramassage de déchets", "Nettoyage de la nature", "Opération quartier propre"),
        ("Une matinée pour nettoyer les berges et les rues, gants et sacs fournis.",),
    ),
    "conseils-de-quartier": (
        1,
        ("Conseil de quartier", "Réunion des habitants", "Atelier citoyen"),
        ("Participer aux projets du quartier et rencontrer ses voisins.",),
    ),
    # intergenerationnel
    "ateliers-intergenerationnels": (
        2,
        ("Atelier intergénérationnel", "Grands-parents et enfants", "Jeux entre générations"),
        ("Jeunes et aînés se retrouvent autour d'une activité partagée.",),
    ),
    "transmission-savoirs": (
        2,
        ("Échange de savoirs", "Réseau d'échanges de savoirs", "Transmettre un savoir-faire"),
        ("Chacun enseigne ce qu'il sait et apprend des autres.",),
    ),
    "lecture-aux-enfants": (
        1,
        ("Lecture aux enfants", "Heure du conte", "Lire et faire lire"),
        ("Des bénévoles lisent des histoires aux enfants de l'école ou de la médiathèque.",),
    ),
    "rencontres-ecoles-residences": (
        1,
        ("Rencontres école et résidence", "Visite des écoliers", "Chorale intergénérationnelle"),
        ("Des écoliers rendent visite aux résidents d'une maison de retraite.",),
    ),
}

# Words residents type in the search box, each matching many titles.
SEARCH_WORDS = (
    "tricot", "théâtre", "jardinage", "chorale", "belote", "yoga", "marche", "peinture",
    "lecture", "cuisine", "scrabble", "danse", "informatique", "café", "pétanque", "aidants",
)  # fmt: skip

DESCRIPTION_SENTENCES = (
    "Ouvert à toutes et à tous, sans niveau requis.",
    "Venez essayer une première fois, sans engagement.",
    "L'accueil se fait autour d'un café.",
    "Le lieu est desservi par le bus.",
    "Le matériel est fourni sur place.",
    "Une bénévole vous accueille à l'entrée et vous présente au groupe.",
    "Possibilité de covoiturage, demandez-nous.",
    "Les personnes seules sont particulièrement bienvenues.",
    "Le groupe se retrouve depuis plusieurs années dans une ambiance chaleureuse.",
    "Pensez à apporter une tenue confortable.",
    "Adhésion annuelle symbolique à l'association.",
    "Les horaires peuvent changer pendant les vacances scolaires.",
)

VENUES = (
    "Salle des fêtes", "Maison de quartier", "Centre social", "Médiathèque",
    "Salle polyvalente", "Maison des associations", "Foyer-logement", "Espace seniors",
    "Gymnase municipal", "Local associatif", "Résidence autonomie", "Bibliothèque",
    "Centre culturel", "Maison des solidarités", "Salle paroissiale", "Tiers-lieu",
)  # fmt: skip

STREET_TYPES = ("rue", "avenue", "place", "boulevard", "allée", "chemin", "impasse")
STREET_NAMES = (
    "de la République", "Victor Hugo", "Jean Jaurès", "de l'Église", "de la Mairie",
    "du Général de Gaulle", "Pasteur", "des Écoles", "de la Gare", "Jean Moulin",
    "des Tilleuls", "du Stade", "de la Liberté", "Gambetta", "des Lilas", "du Moulin",
)  # fmt: skip

ORGANIZATION_NAMES = {
    "association": (
        "Association Les Amis de {city}", "Club des aînés de {city}", "Foyer rural de {city}",
        "Amicale laïque de {city}", "Comité des fêtes de {city}", "Association Bien vivre à {city}",
        "Entraide et amitié {city}", "Maison pour tous de {city}", "Les Petits Frères de {city}",
    ),
    "municipality": ("Mairie de {city}", "Ville de {city}"),
    "social_service": ("CCAS de {city}", "Centre social de {city}", "Espace solidarités {city}"),
    "health": ("Centre de santé de {city}", "Maison de santé de {city}"),
    "other": ("Collectif citoyen de {city}", "Paroisse de {city}", "Tiers-lieu de {city}"),
}  # fmt: skip
